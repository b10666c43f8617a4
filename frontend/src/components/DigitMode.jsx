import { useCallback, useRef, useState } from "react";
import { predict } from "../api.js";
import { answersDrawing } from "../state.js";
import { onDropped } from "../upload.js";
import { usePadReader, useRequests, useWhy } from "../useRequests.js";
import AnswerLine from "./AnswerLine.jsx";
import DrawingPad from "./DrawingPad.jsx";
import { BrushSlider, PadButtons } from "./PadControls.jsx";
import Feedback from "./Feedback.jsx";
import ModelInput from "./ModelInput.jsx";
import Prediction from "./Prediction.jsx";
import Probabilities from "./Probabilities.jsx";
import UploadButton from "./UploadButton.jsx";
import WhyToggle from "./WhyToggle.jsx";

const DEBOUNCE_MS = 250;
// What the server receives: the drawing at 280x280 (ten times the 28x28 field) whatever the pad's size.
const EXPORT = [280, 280];
const padSize = () => Math.min(400, window.innerWidth - 32);
const explained = (result) => Boolean(result.explanation); // the answer carries its map of why

function runnerUp(result) {
  const order = result.probabilities.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]);
  const [p, i] = order[1];
  return `${result.classes[i] ?? i} (${(p * 100).toFixed(1)}%)`;
}

// One digit: a square pad, an answer that follows the drawing, every probability, what the model saw.
export default function DigitMode({ pane, model, why, dispatch, picker, drawing }) {
  const [size] = useState(padSize);
  const [brush, setBrush] = useState(() => Math.round(padSize() * 0.045)); // strokes about as thick as MNIST's
  const pad = useRef(null);
  const { run, cancel } = useRequests(dispatch, "digit");
  const { status, result, error, feedback, image } = pane;
  const send = useCallback(
    (picture) => run((signal) => predict(picture, { model, signal, explain: why }), picture),
    [run, model, why],
  );

  useWhy(why, pane, explained, send);

  const { read: predictDrawing, onStrokeEnd, undo, clear } = usePadReader(pad, send, cancel, dispatch, "digit",
    DEBOUNCE_MS, answersDrawing(pane, model));

  return (
    <div className="layout" onDrop={onDropped(send)}>
      <section className="drawing" aria-label="Drawing">
        <DrawingPad ref={pad} width={size} height={size} exportSize={EXPORT} brushRadius={brush}
          onStrokeEnd={onStrokeEnd} kept={drawing} label="Drawing pad: draw one digit with a mouse, pen or finger" />
        <div className="controls">
          <PadButtons undo={undo} clear={clear} act={predictDrawing} busy={status === "loading"} label="Predict"
            busyLabel="Predicting…" />
        </div>
        <AnswerLine status={status} result={result} error={error} />
        <div className="controls">
          <BrushSlider value={brush} onChange={setBrush} min={4} max={30} />
          <UploadButton onFile={send} />
          {picker}
        </div>
      </section>
      <section className="answer" aria-label="Answer">
        <Prediction status={status} result={result} error={error} />
        {result && status !== "empty" && (
          <>
            <Probabilities probabilities={result.probabilities} classes={result.classes} />
            <div className="why">
              <ModelInput src={result.input} explanation={result.explanation} why={why} />
              <div>
                <WhyToggle why={why} dispatch={dispatch} />
                <p className="runner-up" data-testid="runner-up">
                  Closest other answer: {runnerUp(result)}
                </p>
              </div>
            </div>
            {status === "done" && (
              <Feedback answer={{ classes: result.classes, model: result.model, predicted: result.digit }} image={image}
                feedback={feedback} set={(change) => dispatch({ type: "feedback", mode: "digit", about: image, feedback: change })} />
            )}
          </>
        )}
      </section>
    </div>
  );
}
