// Lazily loaded code that can be loaded ahead of its first render.
import { lazy, type ComponentType } from "react";

/**
 * `React.lazy` with a `preload()`: once the code is here the component renders at once,
 * without suspending (a suspended tree is revealed only after React's ~300 ms fallback
 * throttle, which showed in the analytics budget).
 */
export function preloadable<P extends object>(load: () => Promise<{ default: ComponentType<P> }>) {
  let loaded: ComponentType<P> | undefined;
  const preload = () =>
    load().then((m) => {
      loaded = m.default;
      return m;
    });
  const Lazy = lazy(preload);
  function Preloadable(props: P) {
    const Loaded = loaded;
    return Loaded ? <Loaded {...props} /> : <Lazy {...props} />;
  }
  return Object.assign(Preloadable, { preload });
}
