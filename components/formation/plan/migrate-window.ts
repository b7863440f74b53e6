// The window of MIGRATE work outstanding on one source connection: at most so many commands and
// so many bytes at once, first come first served (a large batch is not starved by small ones
// slipping past it). A batch larger than the whole byte budget runs alone.
import type { MigrationLimits, MigrationStats } from "./migrate-batches";

export class InFlightWindow {
    private bytes = 0;
    private commands = 0;
    private readonly waiting: { bytes: number; start: () => void }[] = [];

    constructor(
        private readonly limits: Pick<MigrationLimits, "inFlightBytes" | "inFlightCommands">,
        private readonly stats: MigrationStats,
    ) {}

    /** Bytes outstanding now: what a command sent on this connection waits behind. */
    get queuedBytes(): number {
        return this.bytes;
    }

    /** Runs `work` once `bytes` fit in the window; `work` gets the bytes queued up to and including its own. */
    async run<T>(bytes: number, work: (bytesQueued: number) => Promise<T>): Promise<T> {
        if (this.waiting.length > 0 || !this.fits(bytes)) {
            await new Promise<void>((start) => this.waiting.push({ bytes, start }));
        } else {
            this.take(bytes);
        }
        try {
            return await work(this.bytes);
        } finally {
            this.bytes -= bytes;
            this.commands--;
            this.admit();
        }
    }

    private fits(bytes: number): boolean {
        if (this.commands === 0) return true;
        return this.commands < this.limits.inFlightCommands && this.bytes + bytes <= this.limits.inFlightBytes;
    }

    private take(bytes: number): void {
        this.bytes += bytes;
        this.commands++;
        this.stats.maxInFlightBytes = Math.max(this.stats.maxInFlightBytes, this.bytes);
        this.stats.maxInFlightCommands = Math.max(this.stats.maxInFlightCommands, this.commands);
    }

    private admit(): void {
        while (this.waiting.length > 0 && this.fits(this.waiting[0].bytes)) {
            const next = this.waiting.shift()!;
            this.take(next.bytes);
            next.start();
        }
    }
}
