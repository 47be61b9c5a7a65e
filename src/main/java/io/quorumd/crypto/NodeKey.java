package io.quorumd.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;

/**
 * This node's Ed25519 private key. Stored as PKCS#8 PEM (what {@code openssl genpkey -algorithm ed25519}
 * writes) with mode 0600; a key file readable by group or others is refused, as ssh does.
 */
public final class NodeKey {
    private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PEM_END = "-----END PRIVATE KEY-----";
    private static final Set<PosixFilePermission> TOO_OPEN = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

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

    public String toPem() {
        try {
            byte[] der = PrivateKeyInfoFactory.createPrivateKeyInfo(privateKey).getEncoded("DER");
            String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
            return PEM_BEGIN + "\n" + body + "\n" + PEM_END + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode an Ed25519 key as PKCS#8", e);
        }
    }

    /** Writes the key as PEM with mode 0600; never replaces an existing file. */
    public void writeNew(Path file) throws KeyFileException {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, toPem(), StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new KeyFileException(file + " already exists; quorumd never overwrites a key file");
        } catch (IOException e) {
            throw new KeyFileException("cannot write key file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a PKCS#8 PEM Ed25519 key, refusing a file that group or others may read. */
    public static NodeKey read(Path file) throws KeyFileException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(TOO_OPEN::contains)) {
                throw new KeyFileException("key file " + file + " is accessible by group or others (mode "
                        + octal(perms) + "); run: chmod 600 " + file);
            }
        } catch (NoSuchFileException e) {
            throw new KeyFileException("key file " + file + " does not exist (create one with: quorumd keygen --out "
                    + file + ")");
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
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
                return new NodeKey(ed);
            }
            throw new KeyFileException(source + " holds a " + key.getClass().getSimpleName()
                    + ", not an Ed25519 key (create one with: openssl genpkey -algorithm ed25519)");
        } catch (IOException | IllegalArgumentException e) {
            throw new KeyFileException(source + " is not a valid PKCS#8 Ed25519 key: " + e.getMessage(), e);
        }
    }

    private static String octal(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }
}
