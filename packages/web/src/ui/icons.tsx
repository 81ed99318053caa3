/** A few inline icons (decorative: every control that shows one also has a text label or aria-label). */
type IconName = "image" | "audio" | "upload" | "edit" | "download" | "trash" | "close" | "search" | "warning" | "check" | "logout" | "link";

const PATHS: Record<IconName, string> = {
  image: "M4 5h16v14H4z M4 16l5-5 4 4 3-3 4 4 M15.5 9.5a1.5 1.5 0 1 0 0-.01",
  audio: "M9 18V6l11-2v12 M9 18a3 3 0 1 1-6 0 3 3 0 0 1 6 0z M20 16a3 3 0 1 1-6 0 3 3 0 0 1 6 0z",
  upload: "M12 16V4 M7 9l5-5 5 5 M4 16v4h16v-4",
  edit: "M4 20h4L19 9l-4-4L4 16v4z M13.5 6.5l4 4",
  download: "M12 4v12 M7 11l5 5 5-5 M4 20h16",
  trash: "M4 7h16 M9 7V4h6v3 M6 7l1 13h10l1-13 M10 11v6 M14 11v6",
  close: "M6 6l12 12 M18 6L6 18",
  search: "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z M16 16l5 5",
  warning: "M12 3l10 18H2L12 3z M12 10v5 M12 18v.01",
  check: "M5 12l5 5 9-10",
  logout: "M15 4h4v16h-4 M10 8l-4 4 4 4 M6 12h10",
  link: "M10 14a4 4 0 0 0 5.66 0l3-3a4 4 0 0 0-5.66-5.66l-1 1 M14 10a4 4 0 0 0-5.66 0l-3 3a4 4 0 0 0 5.66 5.66l1-1",
};

export function Icon({ name, size = 20 }: { name: IconName; size?: number }) {
  return (
    <svg class="icon" width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} />
    </svg>
  );
}
