// The page's state and every way it can change: one reducer, explicit transitions.
// Each mode (one digit, a whole number) keeps its own answer, so switching back shows it again.

// status: empty | loading | done | error. ticket: the newest request's; an answer to any other comes too late
// (a newer one was asked, or the pad was cleared), even one asked before the mode was left and came back to.
// image: what the answer read (for a correction, or to ask again with the map of why). stale: the mode was left
// with its drawing changed since it was last read (the read was still to come), so its answer is not the drawing's.
const idle = { status: "empty", result: null, error: "", feedback: null, ticket: null, image: null, stale: false };
// feedback, a correction of the current answer (in Number mode, of its digit `index`): null, or
// { status: sending | sent | undone | error, id, token, label, error, index }

export const initialState = {
  mode: "digit", // digit | number | model (the model page)
  why: false, // show the occlusion map over "what the model saw"
  models: [], // what the server serves: [{ name, dataset, classes, ... }]
  model: "", // the model the person picked
  digit: idle,
  number: { ...idle, selected: null }, // selected: the index of the digit whose details are shown
};

// Whether a mode's answer is its drawing's, by `model`: then coming back to the mode asks nothing.
export function answersDrawing(pane, model) {
  return pane.status === "done" && !pane.stale && pane.result?.model.name === model;
}

function classesOf(models, name) {
  return models.find((m) => m.name === name)?.classes ?? [];
}

function withClasses(models, result) {
  // the labels are those of the model that answered, whatever is picked now
  return { ...result, classes: classesOf(models, result.model.name) };
}

export function reducer(state, action) {
  const pane = action.mode; // which mode's answer an action is about
  switch (action.type) {
    case "models-loaded":
      return { ...state, models: action.models, model: state.model || action.default };
    case "model-picked":
      return { ...state, model: action.model };
    case "mode-picked":
      return { ...state, mode: action.mode };
    case "cleared":
      return { ...state, [pane]: pane === "number" ? { ...idle, selected: null } : idle };
    case "asked":
      return { ...state, [pane]: { ...state[pane], status: "loading", error: "", ticket: action.ticket, stale: false } };
    case "left-unread":
      return { ...state, [pane]: { ...state[pane], stale: true } };
    case "answered": {
      if (action.ticket !== state[pane].ticket) return state;
      const old = state[pane];
      // the same image read again by the same model (to add the map of why): what the person had open stays
      const again = action.image === old.image && action.result.model.name === old.result?.model.name;
      return {
        ...state,
        [pane]: {
          ...old,
          status: "done",
          error: "",
          result: withClasses(state.models, action.result),
          image: action.image,
          selected: again ? (old.selected ?? null) : null,
          feedback: again ? old.feedback : null,
        },
      };
    }
    case "failed": // a request's failure (it has a ticket), or the pad's own (the drawing could not be exported)
      if (action.ticket !== undefined && action.ticket !== state[pane].ticket) return state;
      return { ...state, [pane]: { ...state[pane], status: "error", error: action.message } };
    case "feedback": {
      // about the image an answer read: once another image's answer is on the page, news of the old one's is not
      if (action.about !== state[pane].image) return state;
      const old = state[pane].feedback; // one correction at a time: another digit's starts afresh
      const feedback = old?.index === action.feedback.index ? { ...old, ...action.feedback } : action.feedback;
      return { ...state, [pane]: { ...state[pane], feedback } };
    }
    case "why-toggled":
      return { ...state, why: !state.why };
    case "digit-selected":
      return { ...state, number: { ...state.number, selected: action.index } };
    default:
      throw new Error(`unknown action ${action.type}`);
  }
}
