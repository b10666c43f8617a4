// The buttons every drawing pad has: Undo (also Ctrl/Cmd+Z), Clear, and the mode's own action.
export function PadButtons({ undo, clear, act, busy, label, busyLabel }) {
  return (
    <>
      <button type="button" onClick={undo} title="Undo the last stroke (Ctrl+Z)">
        Undo
      </button>
      <button type="button" onClick={clear}>
        Clear
      </button>
      <button type="button" className="primary" onClick={act}>
        {busy ? busyLabel : label}
      </button>
    </>
  );
}

// The pen's radius, in pad px.
export function BrushSlider({ value, onChange, min, max }) {
  return (
    <label className="brush">
      Brush
      <input type="range" min={min} max={max} value={value} onChange={(e) => onChange(Number(e.target.value))}
        aria-label="Brush size" />
    </label>
  );
}
