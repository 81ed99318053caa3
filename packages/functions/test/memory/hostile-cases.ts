import type { InspectInput } from "@media/core/ports";
import { inspectInput } from "@media/testing/inspect-input";
import { flacCommentBomb, flacCoverBomb, flacLyingPicture, flacTruncatedInCover, gifBomb, m4aCoverBomb, mp3CoverBomb, mp3TextBomb } from "@media/testing/hostile-media";

/**
 * The hostile files the memory tests inspect, by name, so that a child process can build them itself
 * (never holding a large one: lazy files are produced range by range) and measure its own memory.
 * A case of several files inspects them all at once, as the indexer does with a batch.
 */
export const HOSTILE_CASES: Record<string, () => InspectInput[]> = {
  // 40 PICTURE blocks of 16 MiB after a real front cover: 640 MiB of pictures.
  "flac-cover-bomb": () => [inspectInput(flacCoverBomb(40), "audio/flac").input],
  // 30 Vorbis comment blocks of 16 MiB, each one TITLE.
  "flac-comment-bomb": () => [inspectInput(flacCommentBomb(30), "audio/flac").input],
  "flac-lying-picture": () => [inspectInput(flacLyingPicture(), "audio/flac").input],
  "flac-truncated-in-cover": () => [inspectInput(flacTruncatedInCover(), "audio/flac").input],
  // 8 ID3v2 tags of one 64 MiB picture each, then a real MP3.
  "mp3-cover-bomb": () => [inspectInput(mp3CoverBomb(8), "audio/mpeg").input],
  // 8 ID3v2 tags of one 64 MiB TXXX text each, then a real MP3.
  "mp3-text-bomb": () => [inspectInput(mp3TextBomb(8), "audio/mpeg").input],
  // 16 cover pictures of 24 MiB in one M4A.
  "m4a-cover-bomb": () => [inspectInput(m4aCoverBomb(16), "audio/mp4").input],
  // Four GIFs of a few dozen bytes, each declaring one 60 MP frame, indexed side by side.
  "gif-bombs-together": () => Array.from({ length: 4 }, () => inspectInput(gifBomb(10_000, 6_000), "image/gif").input),
};
