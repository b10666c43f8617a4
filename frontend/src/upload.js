// A photo from a phone's camera is 12 megapixels and several megabytes: over the server's upload limit
// (MAX_UPLOAD_BYTES, 2 MB by default) and slow over a phone's network. A file over MAX_BYTES is shrunk here
// first: its longer side to at most SIDE px, turned upright by its EXIF orientation, and sent as a JPEG (a
// PNG where it has transparency). The server reads a JPEG at 512 px on its shorter side at most, so
// it loses nothing it would have seen. A smaller file (a canvas export, a scan) goes as it is.
const MAX_BYTES = 1 << 20;
const SIDE = 1024;
const QUALITY = 0.92;

// Whether every pixel drawn is opaque (a photo in a PNG or WebP): then a JPEG has no transparency to lose.
function opaque(context, canvas) {
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  for (let i = 3; i < data.length; i += 4) if (data[i] < 255) return false;
  return true;
}

/** The file to upload for `file`: itself, or a smaller File of the same picture. */
export async function fitForUpload(file) {
  if (file.size <= MAX_BYTES) return file;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return file; // not an image this browser decodes: the server's answer says what is wrong with it
  }
  const scale = Math.min(1, SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const context = canvas.getContext("2d");
  context.imageSmoothingQuality = "high";
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const type = file.type === "image/jpeg" || opaque(context, canvas) ? "image/jpeg" : "image/png";
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, type, QUALITY));
  if (!blob) return file;
  const name = file.name.replace(/\.[^.]*$/, "") + (type === "image/jpeg" ? ".jpg" : ".png");
  return new File([blob], name, { type }); // still a File: the page tells an upload from a drawing by that
}

/** A drop handler that sends the first dropped file, shrunk as an upload is. */
export const onDropped = (send) => (event) => {
  const file = event.dataTransfer.files?.[0];
  if (file) fitForUpload(file).then(send);
};
