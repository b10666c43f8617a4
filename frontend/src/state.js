// The page's state and every way it can change: one reducer, explicit transitions.

export const initialState = {
  status: "empty", // empty | loading | done | error
  result: null, // the last answer, carrying the class names of the model that gave it
  error: "",
  models: [], // what the server serves: [{ name, dataset, classes, ... }]
  model: "", // the model the person picked
};

function classesOf(models, name) {
  return models.find((m) => m.name === name)?.classes ?? [];
}

export function reducer(state, action) {
  switch (action.type) {
    case "models-loaded":
      return { ...state, models: action.models, model: state.model || action.default };
    case "model-picked":
      return { ...state, model: action.model };
    case "cleared":
      return { ...state, status: "empty", result: null, error: "" };
    case "asked":
      return { ...state, status: "loading", error: "" };
    case "answered": // the labels are those of the model that answered, whatever is picked now
      return {
        ...state,
        status: "done",
        error: "",
        result: { ...action.result, classes: classesOf(state.models, action.result.model.name) },
      };
    case "failed":
      return { ...state, status: "error", error: action.message };
    default:
      throw new Error(`unknown action ${action.type}`);
  }
}
