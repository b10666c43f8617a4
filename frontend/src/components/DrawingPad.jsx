import { forwardRef, useImperativeHandle, useRef } from "react";
import CanvasDraw from "react-canvas-draw";

// A square canvas for mouse, pen and touch. The parent drives it through the ref:
// undo() removes the last stroke, clear() everything; toBlob() is the drawing layer as a
// PNG (transparent background, #444 ink), which the server turns into an MNIST digit.
const DrawingPad = forwardRef(function DrawingPad({ size, brushRadius, onStrokeEnd }, ref) {
  const canvas = useRef(null);

  useImperativeHandle(ref, () => ({
    undo: () => canvas.current.undo(),
    clear: () => canvas.current.clear(),
    isEmpty: () => JSON.parse(canvas.current.getSaveData()).lines.length === 0,
    toBlob: () => new Promise((resolve) => canvas.current.canvas.drawing.toBlob(resolve, "image/png")),
  }));

  return (
    <div className="pad" style={{ width: size, height: size }} data-testid="pad" aria-label="Drawing area: draw one digit">
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
