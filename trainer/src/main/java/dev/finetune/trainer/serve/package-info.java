/**
 * {@code finetune serve}: a final model behind KServe's Open Inference Protocol (v2 REST). {@link
 * dev.finetune.trainer.serve.ModelFiles} finds and reads a model, {@link
 * dev.finetune.trainer.serve.Classifier} runs it with the job's own test transform, {@link
 * dev.finetune.trainer.serve.Batcher} groups requests, {@link
 * dev.finetune.trainer.serve.InferenceProtocol} reads and writes the protocol's JSON and {@link
 * dev.finetune.trainer.serve.InferenceServer} answers HTTP.
 */
package dev.finetune.trainer.serve;
