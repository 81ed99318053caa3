import type { MediaFile } from "../api/types";

/** A run of files shown under one heading: today, the six days before, then one per calendar month. */
export interface DateGroup {
  /** Stable across renders and pages ("today", "week", "2026-11"), for keys and heading ids. */
  key: string;
  label: string;
  files: MediaFile[];
}

const DAY_MS = 86_400_000;

/**
 * Groups files in the order given (newest first: upload order, the order the API pages in), by the day
 * they were uploaded in the person's own time zone. Upload time, not the camera's, so a page that arrives
 * later only ever adds to the last group or starts new ones below: nothing already shown moves.
 */
export function groupByDate(files: readonly MediaFile[], now: number, locale?: string): DateGroup[] {
  const startOfToday = startOfDay(now);
  const weekStart = startOfToday - 6 * DAY_MS;
  const monthName = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric" });
  const groups: DateGroup[] = [];
  for (const file of files) {
    const t = Date.parse(file.uploadedAt);
    let key: string;
    let label: string;
    if (Number.isNaN(t) || t >= startOfToday) {
      // A file without a date yet is one being uploaded now.
      key = "today";
      label = "Today";
    } else if (t >= weekStart) {
      key = "week";
      label = "This week";
    } else {
      const d = new Date(t);
      key = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
      label = monthName.format(d);
    }
    const last = groups.at(-1);
    const existing = last?.key === key ? last : groups.find((g) => g.key === key);
    if (existing) existing.files.push(file);
    else groups.push({ key, label, files: [file] });
  }
  return groups;
}

function startOfDay(t: number): number {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** The files in the order the library shows them: group by group, its images, then its audio. */
export function displayOrder(groups: readonly DateGroup[]): MediaFile[] {
  return groups.flatMap((g) => [...g.files.filter((f) => f.contentType.startsWith("image/")), ...g.files.filter((f) => !f.contentType.startsWith("image/"))]);
}
