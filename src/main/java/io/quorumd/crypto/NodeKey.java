package io.quorumd.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;

/**
 * This node's Ed25519 private key, stored with mode 0600; a key file readable by group or others is
 * refused, as ssh does.
 *
 * <p>Written as PKCS#8 v1 PEM, byte for byte what {@code openssl genpkey -algorithm ed25519} writes: 48
 * bytes of DER, {@code SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING
 * (32-byte seed) } }}, base64 in 64-character lines. BouncyCastle's default is v2 (OneAsymmetricKey, RFC
 * 5958, with the public key attached), which OpenSSL 3.0 and Python's {@code cryptography} refuse. Both
 * versions are read; a v2 file whose attached public key does not belong to its seed is refused.
 */
public final class NodeKey {
    /** id-Ed25519 (RFC 8410). */
    private static final ASN1ObjectIdentifier ED25519 = new ASN1ObjectIdentifier("1.3.101.112");
    /** The HKDF info of the micropayment key (DESIGN §14). */
    public static final String PM_KEY_INFO = "quorumd-pm/1";
    private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PEM_END = "-----END PRIVATE KEY-----";

    private final Ed25519PrivateKeyParameters privateKey;
    private final Bytes publicKey;
    private final NodeId nodeId;

    private NodeKey(Ed25519PrivateKeyParameters privateKey) {
        this.privateKey = privateKey;
        this.publicKey = Bytes.of(privateKey.generatePublicKey().getEncoded());
        this.nodeId = NodeId.of(publicKey);
    }

    public static NodeKey generate(SecureRandom random) {
        return new NodeKey(new Ed25519PrivateKeyParameters(random));
    }

    /** A key from its 32-byte seed; for test vectors and simulations. */
    public static NodeKey fromSeed(byte[] seed) {
        return new NodeKey(new Ed25519PrivateKeyParameters(seed, 0));
    }

    public Bytes publicKey() {
        return publicKey;
    }

    public NodeId nodeId() {
        return nodeId;
    }

    public Bytes sign(byte[] message) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, privateKey);
        signer.update(message, 0, message.length);
        return Bytes.of(signer.generateSignature());
    }

    /**
     * The micropayment key: HKDF-SHA256 (RFC 5869, no salt) of the 32-byte seed with info {@value #PM_KEY_INFO},
     * 32 bytes. One-way, so the seed itself never leaves this class; the same key after every restart, so ticket
     * params issued before a restart still verify after it. Never stored or sent (DESIGN §14).
     */
    public byte[] derivePmKey() {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(privateKey.getEncoded(), null, PM_KEY_INFO.getBytes(StandardCharsets.US_ASCII)));
        byte[] out = new byte[32];
        hkdf.generateBytes(out, 0, out.length);
        return out;
    }

    /** The PKCS#8 v1 PEM text of this key (see the class comment). */
    public String toPem() {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(toDer());
        return PEM_BEGIN + "\n" + body + "\n" + PEM_END + "\n";
    }

    /** PKCS#8 v1 DER: version 0, no attributes, no public key; always 48 bytes. */
    byte[] toDer() {
        try {
            PrivateKeyInfo v1 = new PrivateKeyInfo(new AlgorithmIdentifier(ED25519),
                    new DEROctetString(privateKey.getEncoded()));
            return v1.getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode an Ed25519 key as PKCS#8", e);
        }
    }

    /**
     * The marker beside a key file that says the key has never signed anything: {@link #writeNew} writes it,
     * the daemon removes it once the key's first ledger holds its first entries.
     */
    public static Path unusedMarker(Path keyFile) {
        return keyFile.resolveSibling(keyFile.getFileName() + ".unused");
    }

    /**
     * Writes the key as PEM with mode 0600, and its {@link #unusedMarker}; never replaces an existing file.
     */
    public void writeNew(Path file) throws KeyFileException {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, toPem(), StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
            Files.writeString(unusedMarker(file), "this key has not signed anything yet; quorumd removes this file"
                    + " at its first start\n", StandardCharsets.US_ASCII);
        } catch (FileAlreadyExistsException e) {
            throw new KeyFileException(file + " already exists; quorumd never overwrites a key file");
        } catch (IOException e) {
            throw new KeyFileException("cannot write key file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a PKCS#8 PEM Ed25519 key, refusing a file that group or others may read. */
    public static NodeKey read(Path file) throws KeyFileException {
        try {
            Optional<String> open = SecretFiles.tooOpen(file);
            if (open.isPresent()) {
                throw new KeyFileException("key file " + file + " " + open.get());
            }
        } catch (NoSuchFileException e) {
            throw new KeyFileException("key file " + file + " does not exist (create one with: quorumd keygen --out "
                    + file + ")");
        } catch (IOException e) {
            throw new KeyFileException("cannot read key file " + file + ": " + e.getMessage(), e);
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new KeyFileException("cannot read key file " + file + ": " + e.getMessage(), e);
        }
        return parsePem(text, file.toString());
    }

    static NodeKey parsePem(String text, String source) throws KeyFileException {
        int begin = text.indexOf(PEM_BEGIN);
        int end = text.indexOf(PEM_END);
        if (begin < 0 || end < begin) {
            throw new KeyFileException(source + " is not a PKCS#8 PEM private key (expected " + PEM_BEGIN + ")");
        }
        String base64 = text.substring(begin + PEM_BEGIN.length(), end).replaceAll("\\s", "");
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(Base64.getDecoder().decode(base64));
            AsymmetricKeyParameter key = PrivateKeyFactory.createKey(info);
            if (key instanceof Ed25519PrivateKeyParameters ed) {
                NodeKey nodeKey = new NodeKey(ed);
                ASN1BitString attached = info.getPublicKeyData();
                if (attached != null && (attached.getPadBits() != 0
                        || !nodeKey.publicKey.equals(Bytes.of(attached.getOctets())))) {
                    throw new KeyFileException(source + " is a PKCS#8 v2 key whose public key does not match its"
                            + " private key");
                }
                return nodeKey;
            }
            throw new KeyFileException(source + " holds a " + key.getClass().getSimpleName()
                    + ", not an Ed25519 key (create one with: openssl genpkey -algorithm ed25519)");
        } catch (IOException | IllegalArgumentException e) {
            throw new KeyFileException(source + " is not a valid PKCS#8 Ed25519 key: " + e.getMessage(), e);
        }
    }
}
