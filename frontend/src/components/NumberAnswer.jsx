import Feedback from "./Feedback.jsx";
import ModelInput from "./ModelInput.jsx";
import Probabilities from "./Probabilities.jsx";
import WhyToggle from "./WhyToggle.jsx";

// The number read, one button per digit (tap one: its ten probabilities, the 28x28 it became with its map of why
// when "Show why" is ticked, and a way to say which digit it really is: the correction keeps that 28x28).
export default function NumberAnswer({ status, result, error, selected, why, dispatch, feedback, onFeedback }) {
  const onSelect = (index) => dispatch({ type: "digit-selected", index });
  let line = "Write a number on the pad";
  if (status === "loading") line = "Reading…";
  else if (status === "error") line = error;
  else if (status === "done" && result) line = result.uncertain ? `Not sure — maybe ${result.number}` : `It's ${result.number}`;
  const digit = result && selected !== null ? result.digits[selected] : null;
  return (
    <section className="answer" aria-label="Answer">
      <p className={`answer-line ${status}`} role="status" data-testid="number-line">
        {line}
      </p>
      {result && status !== "empty" && (
        <>
          <div className="number" data-testid="number">
            {result.digits.map((d, i) => (
              <button key={i} type="button" className={`chip${d.uncertain ? " uncertain" : ""}`}
                aria-pressed={selected === i} onClick={() => onSelect(selected === i ? null : i)}
                aria-label={`Digit ${i + 1}: ${d.label}, ${(d.confidence * 100).toFixed(0)}% sure`}
                data-testid={`chip-${i}`}>
                {d.label}
                <small>{(d.confidence * 100).toFixed(0)}%</small>
              </button>
            ))}
          </div>
          {!digit && (
            <p className="hint" data-testid="number-hint">
              Tap a digit: how sure the model is of it, what it saw, and a way to correct it.
            </p>
          )}
          {digit && (
            <div className="digit-details" data-testid="digit-details">
              <Probabilities probabilities={digit.probabilities} classes={result.classes} />
              <div className="why">
                <ModelInput src={digit.input} explanation={digit.explanation} why={why} />
                <WhyToggle why={why} dispatch={dispatch} />
              </div>
              {status === "done" && (
                <Feedback answer={{ classes: result.classes, model: result.model, predicted: digit.digit }}
                  image={digit.input} feedback={feedback?.index === selected ? feedback : null}
                  set={(change) => onFeedback({ ...change, index: selected })} what="digit" />
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}
