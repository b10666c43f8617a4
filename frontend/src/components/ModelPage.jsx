import { CategoryScale, Chart, Legend, LinearScale, LineElement, PointElement, Tooltip } from "chart.js";
import { useEffect, useState } from "react";
import { Line } from "react-chartjs-2";
import { getReport } from "../api.js";

Chart.register(CategoryScale, LinearScale, PointElement, LineElement, Legend, Tooltip);

const percent = (v, digits = 2) => `${(v * 100).toFixed(digits)}%`;

function Curves({ curves }) {
  const epochs = curves.train_loss.map((_, i) => i + 1);
  const options = (title) => ({
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { position: "bottom" }, title: { display: false, text: title } },
    scales: { x: { title: { display: true, text: "epoch" } } },
  });
  const line = (label, values, color) => ({ label, data: values, borderColor: color, backgroundColor: color, pointRadius: 2 });
  return (
    <div className="curves">
      <figure data-testid="loss-chart">
        <figcaption>Loss (cross-entropy)</figcaption>
        <div className="chart">
          <Line options={options("loss")} data={{ labels: epochs, datasets: [line("train", curves.train_loss, "#8a94a8"), line("validation", curves.val_loss, "#2456d6")] }} />
        </div>
      </figure>
      <figure data-testid="accuracy-chart">
        <figcaption>Accuracy</figcaption>
        <div className="chart">
          <Line options={options("accuracy")} data={{ labels: epochs, datasets: [line("train", curves.train_acc, "#8a94a8"), line("validation", curves.val_acc, "#2456d6")] }} />
        </div>
      </figure>
    </div>
  );
}

function Confusion({ test, classes }) {
  const max = Math.max(...test.confusion.flat().filter((_, i) => i % (classes.length + 1) !== 0), 1);
  return (
    <figure className="confusion" data-testid="confusion">
      <figcaption>Test set: true class (rows) against the answer (columns), and each class's accuracy</figcaption>
      <table>
        <thead>
          <tr>
            <th />
            {classes.map((c) => (
              <th key={c} scope="col">{c.slice(0, 3)}</th>
            ))}
            <th scope="col">acc.</th>
          </tr>
        </thead>
        <tbody>
          {test.confusion.map((row, t) => (
            <tr key={t}>
              <th scope="row">{classes[t].slice(0, 3)}</th>
              {row.map((n, s) => {
                const strength = t === s ? 0 : Math.log1p(n) / Math.log1p(max);
                return (
                  <td key={s} className={t === s ? "diagonal" : ""} style={t === s ? undefined : { background: `rgba(164, 0, 29, ${strength * 0.8})` }}>
                    {n}
                  </td>
                );
              })}
              <td className="per-class">{percent(test.per_class[t], 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function Misclassified({ items, classes }) {
  return (
    <figure className="misclassified" data-testid="misclassified">
      <figcaption>Test images it gets wrong, the surest mistakes first</figcaption>
      <ul>
        {items.map((m, i) => (
          <li key={i}>
            <img src={m.image} width={56} height={56} alt={`a ${classes[m.true]} read as ${classes[m.said]}`} />
            <span>
              said <b>{classes[m.said]}</b> ({percent(m.confidence, 0)})<br />
              was {classes[m.true]}
            </span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

// The commands that remake the checkpoint: one, or a fine-tune's chain run in turn (its base first).
function Commands({ commands }) {
  if (commands.length === 1) return <code>{commands[0]}</code>;
  return (
    <ol className="commands">
      {commands.map((command, i) => (
        <li key={i}><code>{command}</code></li>
      ))}
    </ol>
  );
}

// What the model is and how it learned: its card, curves, confusion matrix and mistakes (GET /model/report).
export default function ModelPage({ model, picker }) {
  const [report, setReport] = useState(null);
  const [error, setError] = useState("");
  useEffect(() => {
    setReport(null);
    setError("");
    getReport(model).then(setReport, (err) => setError(err.message));
  }, [model]);
  if (error) return <div className="prediction error" role="alert">{error}</div>;
  if (!report) return <p className="answer-line loading">Loading the model's report…</p>;
  const card = report.model;
  const classes = card.classes;
  return (
    <div className="model-page" data-testid="model-page">
      <div className="controls">{picker}</div>
      <section className="card" aria-label="Model card">
        <h2>{card.arch} on {card.dataset}</h2>
        <dl>
          <dt>Test accuracy</dt>
          <dd data-testid="card-accuracy">{percent(report.test.accuracy)} of {report.test.n.toLocaleString()} test images</dd>
          <dt>Validation accuracy</dt>
          <dd>{percent(report.metrics.val_accuracy)}</dd>
          <dt>Parameters</dt>
          <dd data-testid="card-parameters">{card.parameters.toLocaleString()}</dd>
          {card.temperature !== undefined && (
            <>
              <dt>Calibration</dt>
              <dd>temperature {card.temperature}; answers under {percent(card.uncertain_below, 1)} are marked "not sure"</dd>
            </>
          )}
          <dt>sha256</dt>
          <dd><code>{card.sha256.slice(0, 16)}…</code></dd>
          <dt>Reproduce</dt>
          <dd data-testid="card-commands">
            <Commands commands={card.commands ?? [card.command]} />
          </dd>
        </dl>
      </section>
      {report.curves.train_loss.length > 0 && <Curves curves={report.curves} />}
      <Confusion test={report.test} classes={classes} />
      <Misclassified items={report.misclassified} classes={classes} />
    </div>
  );
}
