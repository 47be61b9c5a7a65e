package io.quorumd.mqtt;

import java.io.FileNotFoundException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.security.cert.CertPathValidatorException;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;
import org.eclipse.paho.client.mqttv3.MqttException;

/**
 * Why a broker connect failed, from the whole cause chain (Paho wraps the TLS or socket error that says it):
 * the root cause in words, and for the failures that retrying will not cure by itself, the operator's fix.
 * {@link #kind} groups failures so that a fix is logged at ERROR once per kind, not once per retry.
 */
public record BrokerFailure(String kind, String detail, Optional<String> fix) {

    public static BrokerFailure of(Throwable t) {
        StringBuilder chain = new StringBuilder();
        Throwable root = t;
        for (Throwable c = t; c != null && chain.length() < 600; c = c.getCause()) {
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getClass().getSimpleName() + ": " + c.getMessage();
            if (chain.indexOf(m) < 0) {
                chain.append(chain.length() == 0 ? "" : " <- ").append(m);
            }
            root = c;
            if (c.getCause() == c) {
                break;
            }
        }
        String all = chain.toString();
        String lower = all.toLowerCase(Locale.ROOT);
        if (t instanceof MqttException me && (me.getReasonCode() == MqttException.REASON_CODE_FAILED_AUTHENTICATION
                || me.getReasonCode() == MqttException.REASON_CODE_NOT_AUTHORIZED)) {
            return new BrokerFailure("credentials", all, Optional.of("the broker refused this node's username or password:"
                    + " check mqtt.username and the mqtt.passwordFile contents against the broker's password file"));
        }
        if (hasCause(t, CertPathValidatorException.class) || lower.contains("pkix path") || lower.contains("unable to find valid certification path")) {
            return new BrokerFailure("unknown_ca", all, Optional.of("the broker's certificate is not signed by the CA of"
                    + " mqtt.tls.caFile: point caFile at the CA that signed the broker's certificate"));
        }
        if (lower.contains("certificate_required") || lower.contains("bad_certificate")
                || lower.contains("certificate required")) {
            return new BrokerFailure("client_certificate", all, Optional.of("the broker wants a client certificate it"
                    + " trusts: set mqtt.tls.certFile and mqtt.tls.keyFile to a certificate its CA signed"));
        }
        if (lower.contains("no subject alternative") || lower.contains("hostname") && lower.contains("match")) {
            return new BrokerFailure("hostname", all, Optional.of("the broker's certificate does not name the host in"
                    + " mqtt.url: use the name the certificate carries, or reissue it with this one"));
        }
        if (hasCause(t, SSLException.class)) {
            return new BrokerFailure("tls", all, Optional.of("the TLS handshake failed: check that mqtt.url's port is"
                    + " the broker's TLS listener and the mqtt.tls files"));
        }
        if (hasCause(t, FileNotFoundException.class)) {
            return new BrokerFailure("file", all, Optional.of("a file the connection needs is missing: run quorumd"
                    + " config check"));
        }
        if (hasCause(t, UnknownHostException.class)) {
            return new BrokerFailure("unknown_host", all, Optional.of("the host in mqtt.url does not resolve"));
        }
        if (hasCause(t, ConnectException.class)) {
            return new BrokerFailure("unreachable", all, Optional.empty()); // a broker that is down comes back
        }
        return new BrokerFailure(root.getClass().getSimpleName(), all, Optional.empty());
    }

    /** Logs each kind of failure's fix once at ERROR (the retries go on); one per connection. */
    static final class Explainer {
        private final java.util.Set<String> explained = java.util.concurrent.ConcurrentHashMap.newKeySet();

        BrokerFailure explain(org.slf4j.Logger log, String broker, Throwable cause) {
            BrokerFailure why = of(cause);
            if (why.fix().isPresent() && explained.add(why.kind())) {
                log.atError().addKeyValue("broker", broker).addKeyValue("error", why.detail()).addKeyValue("fix",
                        why.fix().get()).log("broker connect failed; retrying will not help until this is fixed");
            }
            return why;
        }
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
