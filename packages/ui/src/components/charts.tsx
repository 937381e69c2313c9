import { useEffect, useRef, useState } from 'preact/hooks';

// Small SVG charts: no chart library. The SVG is drawn at the width it is shown at (measured), so text
// and dots keep their shape at 1280 px and on a phone alike. Each carries a text summary for screen
// readers.

export interface LineSeries { name: string; color: string; values: { t: number; v: number }[]; /** Shown in the legend beside the name. */ detail?: string }

const DEFAULT_WIDTH = 600;
const H = 180;
const PAD = { left: 52, right: 8, top: 8, bottom: 22 };

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= max)!;
}

const timeLabel = (t: number): string => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export function LineChart({ title, series, start, end, format, summary }: { title: string; series: LineSeries[]; start: number; end: number; format: (v: number) => string; summary: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [W, setWidth] = useState(DEFAULT_WIDTH);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(200, Math.round(el.clientWidth))));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.map((p) => p.v))));
  const x = (t: number) => PAD.left + ((t - start) / Math.max(1, end - start)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const ticks = [0, max / 2, max];
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box}>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={`${title}. ${summary}`}>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} class="grid" />
            <text x={PAD.left - 6} y={y(v) + 4} text-anchor="end" class="axis">{format(v)}</text>
          </g>
        ))}
        <text x={PAD.left} y={H - 6} class="axis">{timeLabel(start)}</text>
        <text x={W - PAD.right} y={H - 6} text-anchor="end" class="axis">{timeLabel(end)}</text>
        {series.map((s) => (
          <g key={s.name}>
            <polyline fill="none" stroke={s.color} stroke-width="2" stroke-linejoin="round" points={s.values.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')} />
            {/* Sparse series (latency has points only where there was traffic) get dots, so one point shows. */}
            {s.values.length <= 60 && s.values.filter((p) => p.v > 0).map((p) => <circle key={p.t} cx={x(p.t).toFixed(1)} cy={y(p.v).toFixed(1)} r="2.5" fill={s.color} />)}
          </g>
        ))}
      </svg>
      </div>
      <ul class="legend">
        {series.map((s) => <li key={s.name}><span class="swatch" style={{ background: s.color }} />{s.name}{s.detail && <span class="muted"> · {s.detail}</span>}</li>)}
      </ul>
    </figure>
  );
}

export function BarList({ title, items, empty }: { title: string; items: { label: string; value: number }[]; empty: string }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {items.length === 0 ? <p class="muted">{empty}</p> : (
        <ol class="bars">
          {items.map((i) => (
            <li key={i.label}>
              <span class="bar-label">{i.label}</span>
              <span class="bar" style={{ width: `${(i.value / max) * 100}%` }} aria-hidden="true" />
              <span class="bar-value">{i.value.toLocaleString()}</span>
            </li>
          ))}
        </ol>
      )}
    </figure>
  );
}
