// The 28x28 image the model saw, enlarged without smoothing; with `why`, the occlusion map laid over it:
// red where a pixel made the answer likelier, blue where it argued for another.
export default function ModelInput({ src, explanation, why }) {
  return (
    <figure className="model-input">
      <div className="stack">
        <img src={src} width={112} height={112} alt="The 28 by 28 image the model saw" data-testid="model-input" />
        {why && explanation && (
          <img className="overlay" src={explanation.png} width={112} height={112} alt="" data-testid="why-overlay" />
        )}
      </div>
      <figcaption>What the model saw (28×28){why && explanation ? " and why" : ""}</figcaption>
    </figure>
  );
}
