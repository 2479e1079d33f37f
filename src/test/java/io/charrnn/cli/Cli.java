package io.charrnn.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the real command line in-process and keeps what it printed. */
public record Cli(int exitCode, String out, String err) {
    public static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Cli(code, out.toString(), err.toString());
    }

    /** What a command that ends with this exception prints and exits with. */
    public static Cli reported(Throwable e) {
        StringWriter err = new StringWriter();
        int code = Main.report(e, new PrintWriter(err, true));
        return new Cli(code, "", err.toString());
    }

    /** A user mistake: exit code 2, exactly one line on stderr, no stack trace. */
    public boolean isOneLineUserError() {
        return exitCode == Main.USER_ERROR && err.strip().lines().count() == 1 && !err.contains("\tat ");
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\nstdout: " + out + "\nstderr: " + err;
    }
}
