package io.quorumd.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;

/** What Paho reports as "MqttException" or "Connection lost", told by its cause chain, with the operator's fix. */
class BrokerFailureTest {
    private static MqttException wrapping(Throwable cause) {
        return new MqttException(MqttException.REASON_CODE_CLIENT_EXCEPTION, cause);
    }

    @Test
    void aBrokerCertificateFromAnotherCaNamesTheCaFile() {
        BrokerFailure f = BrokerFailure.of(wrapping(new SSLHandshakeException(
                "PKIX path building failed: unable to find valid certification path to requested target")));
        assertEquals("unknown_ca", f.kind());
        assertTrue(f.detail().contains("PKIX path building failed"), f.detail());
        assertTrue(f.fix().orElseThrow().contains("mqtt.tls.caFile"));
    }

    @Test
    void aMissingClientCertificateNamesCertFileAndKeyFile() {
        BrokerFailure f = BrokerFailure.of(wrapping(new SSLHandshakeException("Received fatal alert: certificate_required")));
        assertEquals("client_certificate", f.kind());
        assertTrue(f.fix().orElseThrow().contains("mqtt.tls.certFile"));
    }

    @Test
    void refusedCredentialsNameTheUsernameAndPasswordFile() {
        BrokerFailure f = BrokerFailure.of(new MqttException(MqttException.REASON_CODE_FAILED_AUTHENTICATION));
        assertEquals("credentials", f.kind());
        assertTrue(f.fix().orElseThrow().contains("mqtt.passwordFile"));
        assertEquals("credentials", BrokerFailure.of(new MqttException(MqttException.REASON_CODE_NOT_AUTHORIZED)).kind());
    }

    @Test
    void aBrokerThatIsDownHasNoFixToLog() {
        BrokerFailure f = BrokerFailure.of(wrapping(new ConnectException("Connection refused")));
        assertEquals("unreachable", f.kind());
        assertTrue(f.fix().isEmpty());
        assertTrue(f.detail().contains("Connection refused"), f.detail());
    }
}
