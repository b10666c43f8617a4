import { useCallback, useEffect, useRef } from "react";

let lastTicket = 0; // numbers the page's requests, so that the reducer knows the newest of each mode

// One request at a time per mode: a newer one aborts the older, and only the newest may change the page (the
// reducer keeps its ticket: a request still on its way when the person left the mode is answered, unless a newer
// one was asked on coming back). `run(send, image)`: `send(signal)` asks about `image`.
export function useRequests(dispatch, mode) {
  const inflight = useRef(null);
  const run = useCallback(
    async (send, image) => {
      inflight.current?.abort();
      const controller = new AbortController();
      inflight.current = controller;
      const ticket = ++lastTicket;
      dispatch({ type: "asked", mode, ticket });
      try {
        dispatch({ type: "answered", mode, ticket, image, result: await send(controller.signal) });
      } catch (err) {
        if (err.name !== "AbortError") dispatch({ type: "failed", mode, ticket, message: err.message });
      }
    },
    [dispatch, mode],
  );
  const cancel = useCallback(() => inflight.current?.abort(), []);
  return { run, cancel };
}

// With `why` on, an answer on the page that came without its map of why (`explained(result)` is false: it was asked
// before "Show why" was ticked) is asked again about the same image, once: the reducer then keeps what the person
// had open on it (a number's digit, a correction).
export function useWhy(why, pane, explained, resend) {
  const asked = useRef(null); // the image last asked again
  const { status, result, image } = pane;
  useEffect(() => {
    if (!why || status !== "done" || !result || !image || explained(result) || asked.current === image) return;
    asked.current = image;
    resend(image);
  }, [why, status, result, image, explained, resend]);
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
// Coming back to the mode (the pad restores its drawing), it is read again unless `answered`: the answer on the
// page is the drawing's, by the model picked now (a mode left within `delay` of a stroke is marked stale).
export function usePadReader(pad, send, cancel, dispatch, mode, delay, answered) {
  const timer = useRef(null); // a read scheduled, until it starts
  const current = useRef(answered);
  current.current = answered;
  const read = useCallback(async () => {
    clearTimeout(timer.current);
    timer.current = null;
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
  const latest = useRef(read); // a scheduled read asks as the page asks when it fires (e.g. "Show why" ticked since)
  latest.current = read;
  const onStrokeEnd = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => latest.current(), delay);
  }, [delay]);
  useEffect(() => {
    if (pad.current && !pad.current.isEmpty() && !current.current) read();
  }, [pad, read]);
  useEffect(
    () => () => {
      if (timer.current === null) return;
      clearTimeout(timer.current); // the mode is left within `delay` of a stroke: the answer is not the drawing's
      dispatch({ type: "left-unread", mode });
    },
    [dispatch, mode],
  );
  const undo = useCallback(() => pad.current?.undo(), [pad]); // fires onStrokeEnd, which reads again
  const clear = useCallback(() => {
    pad.current?.clear();
    read();
  }, [pad, read]);
  useUndoKey(undo);
  return { read, onStrokeEnd, undo, clear };
}
