/**
 * What a local embedding model directory must hold (checked at start-up, before anything loads):
 * `model.onnx` and a tokenizer (`tokenizer.json` or `vocab.txt`). Optional: `tokenizer_config.json`
 * (`do_lower_case`), `sentence_bert_config.json` (`max_seq_length`), `config_sentence_transformers.json`
 * (`prompts`, `default_prompt_name`) and `1_Pooling/config.json` (mean or first-token pooling).
 */
import fs from "node:fs";
import path from "node:path";

export const MODEL_FILE = "model.onnx";
export const TOKENIZER_JSON = "tokenizer.json";
export const VOCAB_TXT = "vocab.txt";
export const TOKENIZER_CONFIG_JSON = "tokenizer_config.json";
export const SENTENCE_CONFIG_JSON = "sentence_bert_config.json";
export const PROMPTS_CONFIG_JSON = "config_sentence_transformers.json";
export const POOLING_CONFIG_JSON = "1_Pooling/config.json";

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Why `dir` cannot be a model directory (each problem a phrase about `dir`); empty when it can. */
export function modelDirectoryProblems(dir: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return [code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? "error"})`];
  }
  if (!stat.isDirectory()) return ["is not a directory"];
  const problems: string[] = [];
  if (!isFile(path.join(dir, MODEL_FILE))) problems.push(`has no ${MODEL_FILE}`);
  if (!isFile(path.join(dir, TOKENIZER_JSON)) && !isFile(path.join(dir, VOCAB_TXT)))
    problems.push(`has neither ${TOKENIZER_JSON} nor ${VOCAB_TXT}`);
  return problems;
}
