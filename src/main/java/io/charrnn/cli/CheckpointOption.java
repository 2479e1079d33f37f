package io.charrnn.cli;

import picocli.CommandLine.Option;

/** {@code --checkpoint URI}, shared by the commands that read one checkpoint. */
public final class CheckpointOption {
    @Option(names = "--checkpoint", required = true, paramLabel = "URI",
            description = "A ckpt_*.zip file, or a run directory (then its best checkpoint).")
    String uri;
}
