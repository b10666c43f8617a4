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
