// The 28x28 image the model actually saw, enlarged without smoothing.
export default function ModelInput({ src }) {
  return (
    <figure className="model-input">
      <img src={src} width={112} height={112} alt="The 28 by 28 image the model saw" data-testid="model-input" />
      <figcaption>What the model saw (28×28)</figcaption>
    </figure>
  );
}
