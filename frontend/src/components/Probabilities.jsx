// A bar for every class, the winner highlighted.
export default function Probabilities({ probabilities, classes }) {
  const top = probabilities.indexOf(Math.max(...probabilities));
  return (
    <ol className="probs" aria-label="Probability of every class">
      {probabilities.map((p, i) => (
        <li key={i} className={i === top ? "top" : ""} data-testid={`prob-${i}`}>
          <span className="name">{classes[i] ?? i}</span>
          <span className="bar" aria-hidden="true">
            <span style={{ width: `${(p * 100).toFixed(1)}%` }} />
          </span>
          <span className="value">{(p * 100).toFixed(1)}%</span>
        </li>
      ))}
    </ol>
  );
}
