// Which served model reads the drawing (shown only when the server serves several).
export default function ModelPicker({ models, model, onPick }) {
  if (models.length < 2) return null;
  return (
    <label className="picker">
      Model
      <select value={model} onChange={(e) => onPick(e.target.value)} aria-label="Model">
        {models.map((m) => (
          <option key={m.name} value={m.name}>
            {m.name}
          </option>
        ))}
      </select>
    </label>
  );
}
