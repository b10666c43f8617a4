import { fitForUpload } from "../upload.js";

// A second way in: pick an image file, shrunk first if it is a big photo (drag-and-drop: `onDropped`).
export default function UploadButton({ onFile }) {
  return (
    <label className="button upload">
      Upload image
      <input
        type="file"
        accept="image/png,image/jpeg,image/webp,image/bmp,image/gif"
        aria-label="Upload an image of a digit"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) fitForUpload(file).then(onFile);
          e.target.value = "";
        }}
      />
    </label>
  );
}
