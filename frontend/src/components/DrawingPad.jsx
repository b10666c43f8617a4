import { forwardRef, useImperativeHandle, useRef } from "react";
import CanvasDraw from "react-canvas-draw";

// What the server receives: the drawing at 280x280 (ten times the 28x28 field) whatever the pad's
// size. Inflating the PNG is the server's largest cost per request and grows with the pixels:
// 280x280 is half of a 400x400 pad, and still 14x the 20 px box a digit is scaled to.
const EXPORT_SIZE = 280;

function exportPng(drawing) {
  const out = document.createElement("canvas");
  out.width = out.height = EXPORT_SIZE;
  const ctx = out.getContext("2d");
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(drawing, 0, 0, EXPORT_SIZE, EXPORT_SIZE);
  return new Promise((resolve) => out.toBlob(resolve, "image/png"));
}

// A square canvas for mouse, pen and touch. The parent drives it through the ref:
// undo() removes the last stroke, clear() everything; toBlob() is the drawing layer as a
// PNG (transparent background, #444 ink), which the server turns into an MNIST digit.
const DrawingPad = forwardRef(function DrawingPad({ size, brushRadius, onStrokeEnd }, ref) {
  const canvas = useRef(null);

  useImperativeHandle(ref, () => ({
    undo: () => canvas.current.undo(),
    clear: () => canvas.current.clear(),
    isEmpty: () => JSON.parse(canvas.current.getSaveData()).lines.length === 0,
    toBlob: () => exportPng(canvas.current.canvas.drawing),
  }));

  return (
    <div
      className="pad"
      style={{ width: size, height: size }}
      data-testid="pad"
      role="application"
      aria-roledescription="drawing pad"
      aria-label="Drawing pad: draw one digit with a mouse, pen or finger"
    >
      <CanvasDraw
        ref={canvas}
        canvasWidth={size}
        canvasHeight={size}
        brushRadius={brushRadius}
        lazyRadius={0}
        brushColor="#444"
        catenaryColor="#888"
        hideGrid
        onChange={onStrokeEnd}
      />
    </div>
  );
});

export default DrawingPad;
