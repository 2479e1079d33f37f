package io.charrnn.cli;

import io.charrnn.common.BuildInfo;
import io.charrnn.common.JobStopped;
import io.charrnn.common.UserError;
import io.charrnn.session.NothingToDo;
import picocli.CommandLine;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;

/** {@code charrnn <command>}: the entry point for the embedded runner and for spark-submit alike. */
@Command(name = "charrnn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Character-level LSTM language models trained on Apache Spark.",
        subcommands = {PrepareCommand.class, TrainCommand.class, SampleCommand.class, EvalCommand.class, InspectCommand.class,
                BenchCommand.class, ReportCommand.class, DoctorCommand.class, FlagTablesCommand.class, ScoreCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** {@code --version}: what the build recorded (BuildInfo), the one source of the project's version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            var v = BuildInfo.versions();
            return new String[] {"charrnn-spark " + v.get("charrnn") + " (" + v.get("commit") + "); Spark "
                    + v.get("spark_build") + ", Scala " + v.get("scala") + ", Hadoop " + v.get("hadoop_build")
                    + ", DL4J " + v.get("dl4j")};
        }
    }

    public static final int USER_ERROR = 2;
    public static final int FAILURE = 1;
    /** The run had already done what was asked; nothing was trained. */
    public static final int NOTHING_TO_DO = 3;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is required");
    }

    public static void main(String[] args) {
        // UTF-8 whatever the locale: sampled text is Unicode, and a POSIX locale would print '?' for it.
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
                StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err),
                StandardCharsets.UTF_8), true);
        int code = execute(out, err, args);
        out.flush();
        err.flush();
        if (System.getProperty("spark.yarn.app.id") != null
                && "cluster".equals(System.getProperty("spark.submit.deployMode"))) {
            // YARN's ApplicationMaster runs this method in a thread and reports the application's status when it
            // returns or throws: System.exit would end it first, be reported as a failure ("Shutdown hook called
            // before final status was reported") and make YARN run the job again.
            if (code == NOTHING_TO_DO) {
                // The ApplicationMaster counts an application that never started Spark as failed (exit 13).
                io.charrnn.spark.SparkSetup.startAndStop();
            }
            if (code == 0 || code == NOTHING_TO_DO) {
                return;
            }
            throw new IllegalStateException("charrnn exited with code " + code + "; its one line saying why is the"
                    + " last of the driver's stderr (yarn logs -applicationId " + System.getProperty("spark.yarn.app.id")
                    + " -log_files stderr)");
        }
        System.exit(code);
    }

    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        // A later flag overrides an earlier one, as with spark-submit, so wrapper scripts can append settings.
        cli.setOverwrittenOptionsAllowed(true);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((e, a) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage() + " (see '"
                    + cmd.getCommandSpec().qualifiedName() + " --help')");
            return USER_ERROR;
        });
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, cmd.getErr()));
        return cli.execute(args);
    }

    /** One line for any failure: user mistakes exit 2, anything else exits 1 (stack trace with CHARRNN_DEBUG=1). */
    public static int report(Throwable e, PrintWriter err) {
        NothingToDo done = find(e, NothingToDo.class);
        if (done != null) {
            err.println("charrnn: nothing to do: " + done.getMessage());
            return NOTHING_TO_DO;
        }
        JobStopped stopped = find(e, JobStopped.class);
        if (stopped != null) {
            err.println("charrnn: stopped: " + stopped.getMessage());
            return FAILURE;
        }
        UserError user = find(e, UserError.class);
        if (user != null) {
            err.println("charrnn: error: " + user.getMessage());
            return USER_ERROR;
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        // A server's error (HDFS's RemoteException) carries the server's class and its stack trace in the message:
        // the class by its own name, the first line alone.
        String name = root instanceof org.apache.hadoop.ipc.RemoteException remote
                ? remote.getClassName().substring(remote.getClassName().lastIndexOf('.') + 1)
                : root.getClass().getSimpleName();
        String message = String.valueOf(root.getMessage()).lines().findFirst().orElse("");
        err.println("charrnn: failed: " + name + ": " + message
                + (isOutOfSpace(name, message) ? "; make room on that filesystem (or raise its quota), then run the same"
                + " command to continue from the last checkpoint" : "")
                + (System.getenv("CHARRNN_DEBUG") == null ? " (set CHARRNN_DEBUG=1 for details)" : ""));
        if (System.getenv("CHARRNN_DEBUG") != null) {
            e.printStackTrace(err);
        }
        return FAILURE;
    }

    /** A write refused for want of space: a full disk, or an HDFS quota (DSQuotaExceededException). */
    static boolean isOutOfSpace(String exception, String message) {
        return exception.contains("QuotaExceeded") || message.contains("No space left on device")
                || message.contains("Disk quota exceeded");
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
