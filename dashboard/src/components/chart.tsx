// Requests and errors over time (uPlot, loaded with the analytics page only).
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Schemas } from "../api/client";

export default function Chart({ series }: { series: Schemas["Point"][] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const xs = series.map((p) => new Date(p.bucketStart).getTime() / 1000);
    const dark = window.matchMedia?.("(prefers-color-scheme: dark)").matches;
    const axis = { stroke: dark ? "#c8ccd4" : "#333", grid: { stroke: dark ? "#333" : "#eee" } };
    const plot = new uPlot(
      {
        width: Math.max(280, box.current.clientWidth),
        height: 220,
        series: [
          {},
          { label: "Requests", stroke: "#4f46e5", width: 2 },
          { label: "Errors", stroke: "#dc2626", width: 2 },
        ],
        axes: [axis, axis],
      },
      [xs, series.map((p) => p.requests), series.map((p) => p.errors)],
      box.current,
    );
    // Follow the box's width (a rotated phone, a resized window).
    const el = box.current;
    const resize = new ResizeObserver(() => {
      const width = Math.max(280, el.clientWidth);
      if (width !== plot.width) plot.setSize({ width, height: 220 });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series]);
  const total = series.reduce((n, p) => n + p.requests, 0);
  return (
    <figure className="chart">
      <div ref={box} aria-hidden="true" />
      <figcaption>
        {total.toLocaleString()} requests in {series.length} intervals
      </figcaption>
    </figure>
  );
}
