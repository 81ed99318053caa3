import type { ComponentChildren } from "preact";
import { useId, useRef } from "preact/hooks";
import { useModalDialog } from "./hooks";
import { Icon } from "./icons";

/**
 * A modal on the native <dialog>: showModal() makes the rest of the page inert, traps Tab inside, and
 * closes on Escape (the `cancel` event, which we route through onClose so state stays the source of
 * truth). Focus goes to the element marked data-autofocus (or the first control) and comes back to
 * whatever opened the dialog when it closes.
 */
export function Modal({
  title,
  onClose,
  children,
  wide,
  describedBy,
  anchored,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
  describedBy?: string;
  /** Held near the top instead of centred, for content that grows: it then extends downwards and nothing above moves. */
  anchored?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useModalDialog(ref, (dialog) => dialog.querySelector<HTMLElement>("[data-autofocus]") ?? dialog.querySelector<HTMLElement>("input, textarea, button:not(.modal-close)"));
  return (
    <dialog
      ref={ref}
      class={["modal", wide && "wide", anchored && "anchored"].filter(Boolean).join(" ")}
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        // A click on the backdrop lands on the dialog element itself (the content fills the box).
        if (e.target === ref.current) onClose();
      }}
    >
      <div class="modal-body">
        <header class="modal-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" class="icon-button modal-close" aria-label="Close" onClick={onClose}>
            <Icon name="close" />
          </button>
        </header>
        {children}
      </div>
    </dialog>
  );
}
