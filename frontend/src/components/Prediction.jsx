// The answer in large type: the digit and its confidence, "not sure", a prompt or an error.
// (AnswerLine is the live region that announces answers; this one is for the eyes.)
export default function Prediction({ status, result, error }) {
  if (status === "error") {
    return (
      <div className="prediction error" role="alert" data-testid="error">
        {error}
      </div>
    );
  }
  if (status === "empty" || !result) {
    return (
      <div className="prediction prompt" data-testid="prompt">
        {status === "loading" ? "Reading…" : "Draw a digit in the box"}
      </div>
    );
  }
  return (
    <div className="prediction">
      <div className="label">{result.uncertain ? "Not sure — maybe" : "It's a"}</div>
      <div className={`digit${result.uncertain ? " uncertain" : ""}`} data-testid="digit">
        {result.classes?.[result.digit] ?? result.label}
      </div>
      <div className="confidence" data-testid="confidence">
        {(result.confidence * 100).toFixed(1)}% sure{status === "loading" ? " · reading…" : ""}
      </div>
    </div>
  );
}
