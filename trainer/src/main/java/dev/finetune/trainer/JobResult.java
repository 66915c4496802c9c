package dev.finetune.trainer;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.finetune.trainer.probe.ProbeReport;
import java.util.List;

/**
 * The whole job's outcome: DIR/result.json.
 *
 * @param job FineTuneJob name
 * @param namespace its namespace ("local" for CLI runs)
 * @param device the device trained on (cpu(), gpu(0), ...)
 * @param classes class names in label order
 * @param trainImages images in the training split (after limitPerClass)
 * @param testImages images in the test split
 * @param finetune the main run
 * @param baseline the from-scratch comparison, or null
 * @param accuracyGain finetune minus baseline test accuracy, or null without a baseline
 * @param seconds wall time of the whole job
 * @param identity the fine-tune run's {@link dev.finetune.contract.RunIdentity} (its JSON form):
 *     which run the output folder belongs to ({@link OutputFolder#hold})
 * @param recipe training.recipe: auto's probe report (the candidates and the choice), or null
 */
public record JobResult(
    String job,
    String namespace,
    String device,
    List<String> classes,
    int trainImages,
    int testImages,
    RunResult finetune,
    RunResult baseline,
    Double accuracyGain,
    double seconds,
    java.util.Map<String, Object> identity,
    @JsonInclude(JsonInclude.Include.NON_NULL) ProbeReport recipe) {}
