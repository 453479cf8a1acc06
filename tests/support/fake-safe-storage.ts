// A stand-in for Electron's safeStorage (the binary is not available in tests): reversible, and visibly not
// the clear text, so a test can tell that a file holds no password or user name in the clear.
export function fakeSafeStorage(available = true) {
  const key = 0x5a;
  return {
    isEncryptionAvailable: () => available,
    encryptString: (s: string) => Buffer.from(Buffer.from(s, 'utf8').map((b) => b ^ key)),
    decryptString: (b: Buffer) => Buffer.from(b.map((x) => x ^ key)).toString('utf8'),
  };
}
