import { useCallback, useEffect, useRef } from "react";

// One request at a time per mode: a newer one aborts the older, and only the newest may change the page.
export function useRequests(dispatch, mode) {
  const inflight = useRef(null);
  const run = useCallback(
    async (send) => {
      inflight.current?.abort();
      const controller = new AbortController();
      inflight.current = controller;
      dispatch({ type: "asked", mode });
      try {
        const answer = await send(controller.signal);
        if (inflight.current === controller) dispatch({ type: "answered", mode, result: answer });
      } catch (err) {
        if (err.name !== "AbortError" && inflight.current === controller) {
          dispatch({ type: "failed", mode, message: err.message });
        }
      }
    },
    [dispatch, mode],
  );
  const cancel = useCallback(() => inflight.current?.abort(), []);
  return { run, cancel };
}

// Ctrl/Cmd+Z calls `undo` while the component that asks for it is on the page.
export function useUndoKey(undo) {
  useEffect(() => {
    const onKey = (e) => {
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "z") {
        e.preventDefault();
        undo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [undo]);
}

// A drawing pad that is read by itself: `delay` ms after a stroke ends, again when `send` changes (another
// model), and on Read; an empty pad clears the answer instead. Undo (also Ctrl/Cmd+Z) and Clear read again.
export function usePadReader(pad, send, cancel, dispatch, mode, delay) {
  const timer = useRef(null);
  const read = useCallback(async () => {
    clearTimeout(timer.current);
    if (!pad.current || pad.current.isEmpty()) {
      cancel();
      dispatch({ type: "cleared", mode });
      return;
    }
    let png;
    try {
      png = await pad.current.toBlob();
    } catch (err) {
      cancel();
      dispatch({ type: "failed", mode, message: err.message });
      return;
    }
    send(png);
  }, [pad, send, cancel, dispatch, mode]);
  const onStrokeEnd = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(read, delay);
  }, [read, delay]);
  useEffect(() => {
    if (pad.current && !pad.current.isEmpty()) read();
  }, [pad, read]);
  const undo = useCallback(() => pad.current?.undo(), [pad]); // fires onStrokeEnd, which reads again
  const clear = useCallback(() => {
    pad.current?.clear();
    read();
  }, [pad, read]);
  useUndoKey(undo);
  return { read, onStrokeEnd, undo, clear };
}
