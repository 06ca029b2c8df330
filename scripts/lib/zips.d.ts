/** `count` Markdown files of `chars` characters each (4 MB by default), deflated at level 9. */
export function manyLargeFilesZip(count?: number, chars?: number): Buffer;
/** About 1 MB of zip whose headers declare a 100-byte file that inflates to 1 GiB. */
export function lyingBomb(): Promise<Buffer>;
