// A second way in: pick an image file (drag-and-drop onto the page is handled by App).
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
          if (file) onFile(file);
          e.target.value = "";
        }}
      />
    </label>
  );
}
