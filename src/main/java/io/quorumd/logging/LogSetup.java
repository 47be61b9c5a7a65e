package io.quorumd.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.quorumd.config.QuorumdConfig.LogFormat;
import io.quorumd.config.QuorumdConfig.LoggingSection;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code logging:} from the config to Logback: one event per line on stderr, {@code key=value}
 * fields in text form, JSON lines with {@code format: json}. The demo sends the same text lines to a file
 * instead, and to stderr as well only when asked.
 */
public final class LogSetup {
    /** The text layout; {@code logback.xml} uses the same. */
    public static final String TEXT_PATTERN =
            "%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z',UTC} %-5level %replace(node=%X{node} ){'^node= $', ''}%logger{0}: %msg %kvp{NONE}%n%ex";

    private LogSetup() {
    }

    public static void apply(LoggingSection settings) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Encoder<ILoggingEvent> encoder;
        if (settings.format() == LogFormat.JSON) {
            JsonEncoder json = new JsonEncoder();
            json.setContext(context);
            json.start();
            encoder = json;
        } else {
            encoder = text(context);
        }
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(console(context, encoder));
        context.getLogger("io.quorumd").setLevel(Level.toLevel(settings.level(), Level.INFO));
    }

    /**
     * Every log line (quorumd's at INFO, libraries' as {@code logback.xml} caps them) goes to {@code file}, appended,
     * and to stderr too if {@code alsoConsole}; nothing goes to stderr otherwise.
     */
    public static void toFile(Path file, boolean alsoConsole) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        FileAppender<ILoggingEvent> out = new FileAppender<>();
        out.setContext(context);
        out.setName("file");
        out.setFile(file.toString());
        out.setAppend(true);
        out.setEncoder(text(context));
        out.start();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(out);
        if (alsoConsole) {
            root.addAppender(console(context, text(context)));
        }
    }

    private static Encoder<ILoggingEvent> text(LoggerContext context) {
        PatternLayoutEncoder text = new PatternLayoutEncoder();
        text.setContext(context);
        text.setPattern(TEXT_PATTERN);
        text.start();
        return text;
    }

    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context, Encoder<ILoggingEvent> encoder) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        return console;
    }
}
