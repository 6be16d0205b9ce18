/**
 * The contract between semantic scoring and whatever turns text into vectors. The scoring engine
 * only ever sees vectors (precomputed, pure); the ONNX model behind this interface is an adapter
 * (onnx-embedder.ts) loaded from a local directory.
 */

/** Turns texts into unit-length vectors of one fixed size. */
export interface Embedder {
  /** Length of every vector. */
  readonly dimensions: number;
  /** What the model is, for logs (its directory and output). */
  readonly description: string;
  /** One L2-normalised vector per text, in order. A text with nothing to embed gets a zero vector. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Releases the model. */
  close(): Promise<void>;
}

/** The model directory cannot be used; the message names the directory, the file and the problem. */
export class EmbeddingModelError extends Error {
  readonly code = "EMBEDDING_MODEL_INVALID";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EmbeddingModelError";
  }
}
