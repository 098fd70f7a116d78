/**
 * lamina's FUSE server, speaking the kernel protocol (linux/fuse.h) itself on the /dev/fuse descriptor: the session
 * and its worker threads (Session, SessionOptions), requests and replies decoded and encoded in place (Request,
 * Reply, Protocol), the kernel's node ids for the union's paths (NodeTable, Node), the operations translated to
 * {@link dev.lamina.union.UnionFs} calls (EntryOps, FileOps, DirOps, XattrOps), FUSE passthrough (Passthrough), and
 * what the kernel's FUSE client leaves to the server (SetIdKill, CallerCredentials). Uses union and sys.
 */
package dev.lamina.fuse.kernel;
