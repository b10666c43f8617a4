// The only module that talks to the server. Every call returns parsed JSON or throws an
// ApiError whose message is fit to show to a person.

export class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

async function request(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError("Cannot reach the server. Check your connection and try again.", "network", 0);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
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
}

/** Ask for a prediction of one image (a Blob or File), with the 28x28 input the model saw. */
export function predict(image, { model, signal } = {}) {
  const params = new URLSearchParams({ include_input: "1" });
  if (model) params.set("model", model);
  const form = new FormData();
  form.append("image", image, image.name || "drawing.png");
  return request(`/predict?${params}`, { method: "POST", body: form, signal });
}

/** The models the server offers: { default, models: [{ name, dataset, classes, ... }] }. */
export function listModels() {
  return request("/models");
}
