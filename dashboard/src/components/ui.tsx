// Small shared controls: labelled fields, copy buttons, confirmations, empty states.
import { useId, useRef, useState, type ReactNode } from "react";
import { errorText } from "./toast";

export function Field(props: {
  label: string;
  children: (id: string, describedBy?: string) => ReactNode;
  hint?: ReactNode;
  errors?: string[];
}) {
  const id = useId();
  const shown = !!props.hint || (props.errors?.length ?? 0) > 0;
  const hintId = shown ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, hintId)}
      {shown && (
        <div id={hintId} className={props.errors?.length ? "field-error" : "hint"}>
          {props.errors?.length ? props.errors.join("; ") : props.hint}
        </div>
      )}
    </div>
  );
}

/** A labelled whole-number input within `min`–`max` (the server's limits). */
export function NumberField(props: {
  label: string;
  hint?: ReactNode;
  errors?: string[];
  min: number;
  max: number;
  required?: boolean;
  value: number;
  onChange: (n: number) => void;
}) {
  return (
    <Field label={props.label} hint={props.hint} errors={props.errors}>
      {(id, d) => (
        <input
          id={id}
          aria-describedby={d}
          type="number"
          required={props.required}
          min={props.min}
          max={props.max}
          value={props.value}
          onChange={(e) => props.onChange(Number(e.target.value))}
        />
      )}
    </Field>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="small"
      aria-label={`${label}: ${text.length > 60 ? text.slice(0, 60) + "…" : text}`}
      onClick={async () => {
        await navigator.clipboard?.writeText(text).catch(() => {});
        setDone(true);
        setTimeout(() => setDone(false), 1500);
      }}
    >
      {done ? "Copied" : label}
    </button>
  );
}

/** A button that asks first, in a modal dialog. */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirm: string;
  onConfirm: () => void;
  danger?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button
        type="button"
        className={props.danger ? "danger" : ""}
        onClick={() => dialog.current?.showModal()}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-label={props.question}>
        <p>{props.question}</p>
        <div className="row">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button
            type="button"
            className={props.danger ? "danger" : "primary"}
            onClick={() => {
              dialog.current?.close();
              props.onConfirm();
            }}
          >
            {props.confirm}
          </button>
        </div>
      </dialog>
    </>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function formatTime(iso: string) {
  return new Date(iso).toLocaleString();
}

/** The error of a form's last submission, in the server's words (nothing without one). */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert">
      {errorText(error)}
    </p>
  );
}
