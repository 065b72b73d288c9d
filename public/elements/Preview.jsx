// WebNova's live preview of a deployment (props come from webnova/chat/preview.py).
// Viewport presets resize the frame; the light/dark switch sets the frame's color-scheme,
// which the embedded page sees as prefers-color-scheme.
import { useState } from "react";
import { Button } from "@/components/ui/button";

export default function Preview() {
  const [viewport, setViewport] = useState("desktop");
  const [scheme, setScheme] = useState("light");
  const labels = props.labels || {};
  const sizes = props.viewports || {};
  if (!props.url) {
    return <div className="text-sm text-muted-foreground">{labels.unsafe}</div>;
  }
  const size = sizes[viewport] || { width: 1280, height: 800 };
  const choose = (name) => (
    <Button
      key={name}
      size="sm"
      variant={viewport === name ? "default" : "outline"}
      data-viewport={name}
      aria-pressed={viewport === name}
      onClick={() => setViewport(name)}
    >
      {labels[name]}
    </Button>
  );
  return (
    <div className="flex flex-col gap-2 w-full" data-testid="webnova-preview">
      <div className="flex flex-wrap items-center gap-2">
        {["mobile", "tablet", "desktop"].map(choose)}
        <Button
          size="sm"
          variant="outline"
          data-scheme={scheme}
          onClick={() => setScheme(scheme === "light" ? "dark" : "light")}
        >
          {scheme === "light" ? labels.dark : labels.light}
        </Button>
        <a
          className="text-sm underline text-primary"
          href={props.url}
          target="_blank"
          rel="noopener noreferrer"
        >
          {labels.open}
        </a>
      </div>
      <div className="w-full overflow-auto rounded-md border bg-muted p-2">
        <iframe
          title={labels.title}
          src={props.url}
          data-width={size.width}
          sandbox="allow-scripts allow-forms allow-same-origin allow-popups"
          style={{
            width: size.width + "px",
            maxWidth: viewport === "desktop" ? "100%" : "none",
            height: Math.min(size.height, 720) + "px",
            colorScheme: scheme,
            border: 0,
            background: scheme === "dark" ? "#111" : "#fff",
            display: "block",
            margin: "0 auto",
          }}
        />
      </div>
    </div>
  );
}
