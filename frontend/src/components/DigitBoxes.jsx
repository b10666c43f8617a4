// A box over each digit found on the pad, with its confidence. Drawing goes on through them.
export default function DigitBoxes({ digits, scale, selected }) {
  return (
    <div className="boxes" aria-hidden="true">
      {digits.map((d, i) => {
        const [x, y, w, h] = d.box.map((v) => v * scale);
        return (
          <div key={i} className={`box${d.uncertain ? " uncertain" : ""}${selected === i ? " selected" : ""}`}
            style={{ left: x, top: y, width: w, height: h }} data-testid={`box-${i}`}>
            <span>{d.label} · {(d.confidence * 100).toFixed(0)}%</span>
          </div>
        );
      })}
    </div>
  );
}
