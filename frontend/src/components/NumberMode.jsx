import { useCallback, useRef, useState } from "react";
import { predictNumber } from "../api.js";
import { answersDrawing } from "../state.js";
import { onDropped } from "../upload.js";
import { usePadReader, useRequests, useWhy } from "../useRequests.js";
import DigitBoxes from "./DigitBoxes.jsx";
import DrawingPad from "./DrawingPad.jsx";
import { BrushSlider, PadButtons } from "./PadControls.jsx";
import NumberAnswer from "./NumberAnswer.jsx";
import UploadButton from "./UploadButton.jsx";

const DEBOUNCE_MS = 300;
const EXPORT_HEIGHT = 160; // px the drawing is sent at (its width follows the pad's shape)

const explained = (result) => result.digits.every((d) => d.explanation); // each digit carries its map of why

function padShape() {
  const width = Math.min(800, window.innerWidth - 32);
  return [width, Math.round(Math.min(260, Math.max(170, width * 0.38)))];
}

// A whole number: a wide pad; the server finds the digits, and each gets a box on the pad.
export default function NumberMode({ pane, model, why, dispatch, picker, drawing }) {
  const [[width, height]] = useState(padShape);
  const exportSize = [Math.round((width * EXPORT_HEIGHT) / height), EXPORT_HEIGHT];
  const [brush, setBrush] = useState(() => Math.round(height * 0.05));
  const pad = useRef(null);
  const { run, cancel } = useRequests(dispatch, "number");
  const { status, result, error, selected } = pane;
  const send = useCallback(
    (image) =>
      run(async (signal) => {
        const answer = await predictNumber(image, { model, signal, explain: why });
        return image instanceof File ? { ...answer, uploaded: true } : answer; // an upload's boxes are not the pad's
      }, image),
    [run, model, why],
  );
  useWhy(why, pane, explained, send);

  const { read: readDrawing, onStrokeEnd, undo, clear } = usePadReader(pad, send, cancel, dispatch, "number",
    DEBOUNCE_MS, answersDrawing(pane, model));

  // boxes come in the exported drawing's pixels; an uploaded image's are not on the pad
  const onPad = result && status !== "empty" && !result.uploaded;
  return (
    <div className="number-mode" onDrop={onDropped(send)}>
      <section className="drawing" aria-label="Drawing">
        <DrawingPad ref={pad} width={width} height={height} exportSize={exportSize} brushRadius={brush}
          onStrokeEnd={onStrokeEnd} kept={drawing} label="Drawing pad: write a number with a mouse, pen or finger">
          {onPad && <DigitBoxes digits={result.digits} scale={width / exportSize[0]} selected={selected} />}
        </DrawingPad>
        <div className="controls">
          <PadButtons undo={undo} clear={clear} act={readDrawing} busy={status === "loading"} label="Read"
            busyLabel="Reading…" />
          <BrushSlider value={brush} onChange={setBrush} min={3} max={24} />
          <UploadButton onFile={send} />
          {picker}
        </div>
      </section>
      <NumberAnswer status={status} result={result} error={error} selected={selected} why={why} dispatch={dispatch}
        feedback={pane.feedback}
        onFeedback={(change) => dispatch({ type: "feedback", mode: "number", about: pane.image, feedback: change })} />
    </div>
  );
}
