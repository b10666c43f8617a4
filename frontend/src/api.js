// The only module that talks to the server. Every call returns parsed JSON or throws an
// ApiError whose message is fit to show to a person.

export class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

// A request with no whole answer this long after it was sent fails (a phone that lost its network mid-request, a
// server that stopped answering) instead of leaving the page waiting; an upload also gets the time it takes at a slow
// phone link.
const ANSWER_MS = 20000;
const UPLOAD_BYTES_PER_MS = 20; // 20 KB/s

async function request(path, options = {}, { empty = false, bytes = 0 } = {}) {
  const controller = new AbortController(); // aborted by the caller's signal, or by the deadline
  const outer = options.signal;
  const relay = () => controller.abort();
  if (outer?.aborted) controller.abort();
  outer?.addEventListener("abort", relay);
  const seconds = Math.round((ANSWER_MS + bytes / UPLOAD_BYTES_PER_MS) / 1000);
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    controller.abort();
  }, seconds * 1000);
  const failure = (err, message, code) => {
    if (late) return new ApiError(`The server did not answer within ${seconds} s. Check your connection and try again.`, "timeout", 0);
    return err.name === "AbortError" ? err : new ApiError(message, code, 0);
  };
  try {
    let response;
    try {
      response = await fetch(path, { ...options, signal: controller.signal });
    } catch (err) {
      throw failure(err, "Cannot reach the server. Check your connection and try again.", "network");
    }
    if (empty && response.ok) return null; // 204 No Content
    let body = null;
    try {
      body = await response.json();
    } catch (err) {
      if (late || err.name === "AbortError") throw failure(err);
      // a proxy or a crashed server may answer with HTML; handled below
    }
    if (!response.ok || body === null) {
      const error = body?.error;
      throw new ApiError(
        error?.message || `The server answered ${response.status} ${response.statusText}.`,
        error?.code || "http_error",
        response.status,
      );
    }
    return body;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", relay);
  }
}

// The query string of a request about `model` (the server's default when unset).
function query(model, params = {}) {
  const q = new URLSearchParams(params);
  if (model) q.set("model", model);
  return q;
}

// An image (a Blob or File) as the multipart field `image` every image route takes.
function imageForm(image) {
  const form = new FormData();
  form.append("image", image, image.name || "drawing.png");
  return form;
}

function postImage(path, image, { model, signal, explain } = {}) {
  const params = query(model, explain ? { include_input: "1", explain: "1" } : { include_input: "1" });
  return request(`${path}?${params}`, { method: "POST", body: imageForm(image), signal }, { bytes: image.size });
}

/** Ask for a prediction of one image (a Blob or File), with the 28x28 input the model saw. */
export function predict(image, options) {
  return postImage("/predict", image, options);
}

/** Ask for the digits of a drawn number, each with its box, probabilities and 28x28 input. */
export function predictNumber(image, options) {
  return postImage("/predict/number", image, options);
}

/** The models the server offers: { default, models: [{ name, dataset, classes, ... }] }. */
export function listModels() {
  return request("/models");
}

/** Tell the server the right answer for an image it read (a Blob, or a PNG data URL): {id, delete_token}. */
export async function sendFeedback(image, label, { model, predicted } = {}) {
  const blob = typeof image === "string" ? await (await fetch(image)).blob() : image;
  const form = imageForm(blob);
  form.append("label", String(label));
  if (predicted !== undefined) form.append("predicted", String(predicted));
  return request(`/feedback?${query(model)}`, { method: "POST", body: form }, { bytes: blob.size });
}

/** Take a correction back, with the token the server gave for it. */
export function undoFeedback(id, token) {
  return request(`/feedback/${id}`, { method: "DELETE", headers: { "X-Delete-Token": token } }, { empty: true });
}

/** The model page's data: card, training curves, confusion matrix, misclassified test images. */
export function getReport(model) {
  return request(`/model/report?${query(model)}`);
}
