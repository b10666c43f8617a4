// "Show why": lays the occlusion map over what the model saw, in every mode (the choice is the page's, not a mode's).
export default function WhyToggle({ why, dispatch }) {
  return (
    <label className="toggle">
      <input type="checkbox" checked={why} onChange={() => dispatch({ type: "why-toggled" })} />
      Show why
    </label>
  );
}
