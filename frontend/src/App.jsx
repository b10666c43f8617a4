import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { listModels, predict } from "./api.js";
import AnswerLine from "./components/AnswerLine.jsx";
import DrawingPad from "./components/DrawingPad.jsx";
import ModelInput from "./components/ModelInput.jsx";
import Prediction from "./components/Prediction.jsx";
import Probabilities from "./components/Probabilities.jsx";
import UploadButton from "./components/UploadButton.jsx";
import { initialState, reducer } from "./state.js";

const DEBOUNCE_MS = 250;
const padSize = () => Math.min(400, window.innerWidth - 32);

export default function App() {
  const [state, dispatch] = useReducer(reducer, initialState);
  const [size] = useState(padSize);
  const [brush, setBrush] = useState(() => Math.round(padSize() * 0.045)); // strokes about as thick as MNIST's
  const pad = useRef(null);
  const inflight = useRef(null);
  const timer = useRef(null);
  const { status, result, error, models, model } = state;

  useEffect(() => {
    listModels()
      .then((answer) => dispatch({ type: "models-loaded", models: answer.models, default: answer.default }))
      .catch(() => {}); // the picker only appears when the server lists several models
  }, []);

  // Send one image; a newer request aborts an older one, and only the newest may update the page.
  const run = useCallback(
    async (getImage) => {
      inflight.current?.abort();
      const controller = new AbortController();
      inflight.current = controller;
      dispatch({ type: "asked" });
      try {
        const answer = await predict(await getImage(), { model, signal: controller.signal });
        if (inflight.current === controller) dispatch({ type: "answered", result: answer });
      } catch (err) {
        if (err.name !== "AbortError" && inflight.current === controller) dispatch({ type: "failed", message: err.message });
      }
    },
    [model],
  );

  const predictDrawing = useCallback(() => {
    clearTimeout(timer.current);
    if (!pad.current || pad.current.isEmpty()) {
      inflight.current?.abort();
      dispatch({ type: "cleared" });
      return;
    }
    run(() => pad.current.toBlob());
  }, [run]);

  const onStrokeEnd = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(predictDrawing, DEBOUNCE_MS);
  }, [predictDrawing]);

  // A different model reads the drawing that is there (runs when `model` changes; nothing on an empty pad).
  useEffect(() => {
    if (pad.current && !pad.current.isEmpty()) predictDrawing();
  }, [predictDrawing]);

  const undo = useCallback(() => pad.current?.undo(), []); // fires onStrokeEnd, which predicts again
  const clear = useCallback(() => {
    pad.current?.clear();
    predictDrawing();
  }, [predictDrawing]);

  useEffect(() => {
    const onKey = (e) => {
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "z") {
        e.preventDefault();
        undo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [undo]);

  const onDrop = (e) => {
    e.preventDefault();
    const file = e.dataTransfer.files?.[0];
    if (file) run(() => file);
  };

  return (
    <main onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <header>
        <h1>Digit recognizer</h1>
        <p>Draw a digit from 0 to 9. The network reads it the way MNIST digits were made.</p>
      </header>
      <div className="layout">
        <section className="drawing" aria-label="Drawing">
          <DrawingPad ref={pad} size={size} brushRadius={brush} onStrokeEnd={onStrokeEnd} />
          <div className="controls">
            <button type="button" onClick={undo} title="Undo the last stroke (Ctrl+Z)">
              Undo
            </button>
            <button type="button" onClick={clear}>
              Clear
            </button>
            <button type="button" className="primary" onClick={predictDrawing}>
              {status === "loading" ? "Predicting…" : "Predict"}
            </button>
          </div>
          <AnswerLine status={status} result={result} error={error} />
          <div className="controls">
            <label className="brush">
              Brush
              <input
                type="range"
                min={4}
                max={30}
                value={brush}
                onChange={(e) => setBrush(Number(e.target.value))}
                aria-label="Brush size"
              />
            </label>
            <UploadButton onFile={(file) => run(() => file)} />
            {models.length > 1 && (
              <label className="picker">
                Model
                <select
                  value={model}
                  onChange={(e) => dispatch({ type: "model-picked", model: e.target.value })}
                  aria-label="Model"
                >
                  {models.map((m) => (
                    <option key={m.name} value={m.name}>
                      {m.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </div>
        </section>
        <section className="answer" aria-label="Answer">
          <Prediction status={status} result={result} error={error} />
          {result && status !== "empty" && (
            <>
              <Probabilities probabilities={result.probabilities} classes={result.classes} />
              <ModelInput src={result.input} />
            </>
          )}
        </section>
      </div>
    </main>
  );
}
