// The answer in one short line right under the pad, so that a phone shows it without scrolling;
// also the page's live region (role="status"), present from the start, so screen readers hear each answer.
export default function AnswerLine({ status, result, error }) {
  let text = "Draw a digit";
  if (status === "loading") text = "Reading…";
  else if (status === "error") text = "Could not read it";
  else if (status === "done" && result) {
    const label = result.classes?.[result.digit] ?? result.label;
    const sure = `${(result.confidence * 100).toFixed(0)}%`;
    text = result.uncertain ? `Not sure — maybe ${label} (${sure})` : `It's a ${label} (${sure})`;
  }
  return (
    <p className={`answer-line ${status}`} role="status" data-testid="answer-line" title={error || undefined}>
      {text}
    </p>
  );
}
