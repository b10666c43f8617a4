import { lazy, Suspense, useEffect, useReducer, useRef } from "react";
import { listModels } from "./api.js";
import DigitMode from "./components/DigitMode.jsx";
import ModelPicker from "./components/ModelPicker.jsx";
import NumberMode from "./components/NumberMode.jsx";
import { initialState, reducer } from "./state.js";

const ModelPage = lazy(() => import("./components/ModelPage.jsx")); // its charts load only when it is opened

const MODES = [
  ["digit", "Digit"],
  ["number", "Number"],
  ["model", "Model"],
];

export default function App() {
  const [state, dispatch] = useReducer(reducer, initialState);
  const { mode, models, model } = state;
  const digitDrawing = useRef(null); // each mode's strokes, kept while another mode is on screen
  const numberDrawing = useRef(null);

  useEffect(() => {
    listModels()
      .then((answer) => dispatch({ type: "models-loaded", models: answer.models, default: answer.default }))
      .catch(() => {}); // the picker only appears when the server lists several models
  }, []);

  const pick = (m) => dispatch({ type: "model-picked", model: m });
  const picker = <ModelPicker models={models} model={model} onPick={pick} />;
  // Number mode offers the models that read whole numbers, and reads with the first of them while another is picked
  const numberModels = models.filter((m) => m.reads_numbers);
  const numberModel = numberModels.some((m) => m.name === model) ? model : (numberModels[0]?.name ?? model);
  const numberPicker = <ModelPicker models={numberModels} model={numberModel} onPick={pick} />;
  return (
    <main onDragOver={(e) => e.preventDefault()} onDrop={(e) => e.preventDefault()}>
      <header>
        <h1>Digit recognizer</h1>
        <p>Draw a digit or a whole number. The network reads it the way MNIST digits were made.</p>
        <nav className="tabs" aria-label="Mode">
          {MODES.map(([key, name]) => (
            <button key={key} type="button" aria-pressed={mode === key} onClick={() => dispatch({ type: "mode-picked", mode: key })}>
              {name}
            </button>
          ))}
        </nav>
      </header>
      {mode === "digit" && <DigitMode pane={state.digit} model={model} why={state.why} dispatch={dispatch} picker={picker}
        drawing={digitDrawing} />}
      {mode === "number" && <NumberMode pane={state.number} model={numberModel} why={state.why} dispatch={dispatch} picker={numberPicker}
        drawing={numberDrawing} />}
      {mode === "model" && (
        <Suspense fallback={<p className="answer-line loading">Loading…</p>}>
          <ModelPage model={model} picker={picker} />
        </Suspense>
      )}
    </main>
  );
}
