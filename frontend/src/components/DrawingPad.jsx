import { forwardRef, useCallback, useImperativeHandle, useLayoutEffect, useRef } from "react";
import CanvasDraw from "react-canvas-draw";

// canvas.toBlob() now and then calls back with null instead of a PNG (seen in Chromium): asked again, it gives
// the PNG; if it never does, the reader shows why instead of sending nothing.
async function exportPng(drawing, width, height) {
  const out = document.createElement("canvas");
  out.width = width;
  out.height = height;
  const ctx = out.getContext("2d");
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(drawing, 0, 0, width, height);
  for (let attempt = 0; attempt < 3; attempt++) {
    const blob = await new Promise((resolve) => out.toBlob(resolve, "image/png"));
    if (blob) return blob;
  }
  throw new Error("The browser could not turn the drawing into an image. Try again.");
}

// react-canvas-draw 1.2.1 wipes its lines 100 ms after it mounts (a timer in its componentDidMount), so a drawing
// restored at mount, or a stroke drawn that soon, vanished. Its own ways to clear (clear, undo, eraseAll, and the
// loads and resizes that go through clear) still clear; that timer's call does nothing but call `settled`.
function keepLinesAtMount(draw, settled) {
  const wipe = draw.clearExceptErasedLines;
  let clearing = 0;
  for (const name of ["clear", "undo", "eraseAll"]) {
    const method = draw[name];
    draw[name] = (...args) => {
      clearing += 1;
      try {
        return method(...args);
      } finally {
        clearing -= 1;
      }
    };
  }
  draw.clearExceptErasedLines = () => (clearing ? wipe() : settled());
}

// A canvas for mouse, pen and touch. The parent drives it through the ref: undo() removes the last
// stroke, clear() everything; toBlob() is the drawing layer as a PNG (transparent background, #444
// ink) at `exportSize` [width, height], whatever the pad's size on screen: inflating the PNG is the
// server's largest cost per request and grows with the pixels.
// The strokes are kept in `kept.current` (react-canvas-draw's save data), which outlives the pad: a pad made
// again (the person came back to its mode) starts with them. `onStrokeEnd` is called when they change, not when
// the canvas merely draws them again (it does on every resize, one change event per stroke, all at once: hence
// the comparison once they are all drawn).
const DrawingPad = forwardRef(function DrawingPad(
  { width, height, exportSize, brushRadius, onStrokeEnd, kept, label, children },
  ref,
) {
  const canvas = useRef(null);
  const box = useRef(null);

  useImperativeHandle(ref, () => ({
    undo: () => canvas.current.undo(),
    clear: () => {
      canvas.current.clear();
      kept.current = canvas.current.getSaveData();
    },
    isEmpty: () => JSON.parse(canvas.current.getSaveData()).lines.length === 0,
    toBlob: async () => {
      // a pad just made has the browser's default canvas size until react-canvas-draw's ResizeObserver gives it
      // the pad's, a frame later: a drawing it restored is read once it is whole
      for (let wait = 0; wait < 30 && canvas.current?.canvas.drawing.width !== width; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 16));
      }
      return exportPng(canvas.current.canvas.drawing, ...exportSize);
    },
  }));

  useLayoutEffect(() => {
    keepLinesAtMount(canvas.current, () => box.current?.setAttribute("data-settled", "")); // what tests wait for
    if (kept.current) canvas.current.loadSaveData(kept.current, true);
  }, [kept]);

  const onChange = useCallback(() => {
    queueMicrotask(() => {
      const strokes = canvas.current?.getSaveData();
      if (strokes === undefined || strokes === kept.current) return;
      kept.current = strokes;
      onStrokeEnd();
    });
  }, [kept, onStrokeEnd]);

  return (
    <div
      ref={box}
      className="pad"
      style={{ width, height }}
      data-testid="pad"
      role="application"
      aria-roledescription="drawing pad"
      aria-label={label}
    >
      <CanvasDraw
        ref={canvas}
        canvasWidth={width}
        canvasHeight={height}
        brushRadius={brushRadius}
        lazyRadius={0}
        brushColor="#444"
        catenaryColor="#888"
        hideGrid
        onChange={onChange}
      />
      {children}
    </div>
  );
});

export default DrawingPad;
