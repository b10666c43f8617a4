import { sendFeedback, undoFeedback } from "../api.js";

// "Wrong? Tap the right digit": the person's correction of one answer goes to the server, and can be taken back.
// `answer`: { classes, model, predicted } of the answer; `image`: what it read (a Blob, File or PNG data URL);
// `feedback`: this answer's correction so far; `set(change)` records how it goes; `what` is kept: "drawing" (the
// image sent) or "digit" (a number's digit: its 28x28).
export default function Feedback({ answer, image, feedback, set, what = "drawing" }) {
  const { classes, model, predicted } = answer;
  const correct = async (label) => {
    set({ status: "sending", label, error: "" });
    try {
      const saved = await sendFeedback(image, label, { model: model.name, predicted });
      set({ status: "sent", id: saved.id, token: saved.delete_token });
    } catch (err) {
      set({ status: "error", error: err.message });
    }
  };
  const undo = async () => {
    try {
      await undoFeedback(feedback.id, feedback.token);
      set({ status: "undone" });
    } catch (err) {
      set({ status: "error", error: err.message });
    }
  };
  if (!image) return null;
  if (feedback?.status === "sent") {
    return (
      <div className="feedback" role="status" data-testid="feedback">
        Thanks — kept as a {classes[feedback.label] ?? feedback.label}.{" "}
        <button type="button" onClick={undo}>
          Undo
        </button>
      </div>
    );
  }
  if (feedback?.status === "undone") {
    return (
      <div className="feedback" role="status" data-testid="feedback">
        Removed: nothing of this {what} is kept.
      </div>
    );
  }
  return (
    <div className="feedback" data-testid="feedback">
      <p>
        <strong>Wrong?</strong> Tap the right {classes.length === 10 && model.dataset === "mnist" ? "digit" : "answer"}.{" "}
        <small>We keep this {what} and your answer to improve the model, never who you are; you can undo it.</small>
      </p>
      <div className="choices">
        {classes.map((name, i) => (
          <button key={i} type="button" disabled={feedback?.status === "sending" || i === predicted}
            onClick={() => correct(i)} aria-label={`It is ${name}`}>
            {name}
          </button>
        ))}
      </div>
      {feedback?.status === "error" && (
        <p className="error" role="alert">
          {feedback.error}
        </p>
      )}
    </div>
  );
}
