import {
  asksForOneFrames,
  CaseroomError,
  decodeOneFrame,
  encodeOneFrame,
  OneFrameDecoder,
  OneFrameEncoder,
  oneFrameFormat,
  oneFrameParser,
  oneFrameQuery,
  oneFrameReadingParser,
} from '@caseroom/shared';
import { describe, expect, it } from 'vitest';

/** Socket.IO packet types: an event, an acknowledgement (each becomes the binary type when it has a binary part). */
const event = 2;
const ack = 3;

interface Packet {
  type: number;
  nsp: string;
  data?: unknown;
  id?: number;
}

const defaultEncoder = new oneFrameReadingParser.Encoder();

/** Every packet a decoder puts together from `messages`, fed one by one as engine.io would. */
function decodeAll(messages: unknown[]): Packet[] {
  const decoder = new OneFrameDecoder();
  const decoded: Packet[] = [];
  decoder.on('decoded', (packet: Packet) => decoded.push(packet));
  for (const message of messages) decoder.add(message);
  return decoded;
}

/** The code of the CaseroomError `decode` throws. */
function codeOf(decode: () => unknown): string {
  try {
    decode();
  } catch (err) {
    expect(err).toBeInstanceOf(CaseroomError);
    return (err as CaseroomError).code;
  }
  throw new Error('expected the bytes to be refused');
}

const update = new Uint8Array([2, 5, 1, 2, 3, 4, 5]);
const syncEvent: Packet = { type: event, nsp: '/cases', data: ['doc:sync', 'case-1', update] };

describe('one-frame messages', () => {
  it('hold the packet string and every binary part of a message, in one frame', () => {
    const second = new Uint8Array([9, 8, 7]);
    const packet: Packet = { type: event, nsp: '/cases', id: 12, data: ['doc:sync', 'case-1', update, { more: second }] };
    const [frame, ...rest] = new OneFrameEncoder().encode({ ...packet });
    expect(rest).toEqual([]);
    expect(frame).toBeInstanceOf(Uint8Array);
    expect((frame as Uint8Array)[0]).toBe(oneFrameFormat);
    expect(decodeOneFrame(frame as Uint8Array)).toEqual({
      packet: '52-/cases,12["doc:sync","case-1",{"_placeholder":true,"num":0},{"more":{"_placeholder":true,"num":1}}]',
      parts: [update, second],
    });
    expect(decodeAll([frame])).toEqual([packet]);
  });

  it('carry acknowledgements with binary parts too', () => {
    const answer: Packet = { type: ack, nsp: '/cases', id: 3, data: [{ ok: true, reply: update }] };
    const encoded = new OneFrameEncoder().encode({ ...answer });
    expect(encoded).toHaveLength(1);
    expect(decodeAll(encoded)).toEqual([answer]);
  });

  it('take the bytes a view spans, and ArrayBuffers whole', () => {
    const backing = new Uint8Array([0, 0, 1, 2, 3, 0]);
    const view = backing.subarray(2, 5);
    const header = '52-["bytes",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]';
    const frame = encodeOneFrame([header, view, new Uint8Array([4, 5]).buffer])!;
    expect(decodeOneFrame(frame).parts).toEqual([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])]);
  });

  it('leave a message without binary parts as the default string', () => {
    const packet: Packet = { type: event, nsp: '/cases', data: ['case:join', { caseId: 'case-1' }] };
    expect(new OneFrameEncoder().encode({ ...packet })).toEqual(defaultEncoder.encode({ ...packet }));
  });

  it('are not made of parts that are not bytes at hand, nor of a count the packet does not announce', () => {
    expect(encodeOneFrame(['51-["file",{"_placeholder":true,"num":0}]', new Blob(['x'])])).toBeNull();
    expect(encodeOneFrame(['52-["two",{"_placeholder":true,"num":0}]', update])).toBeNull();
    expect(encodeOneFrame(['2["no parts"]'])).toBeNull();
  });

  it('are asked for with the query parameter frames=1', () => {
    expect(asksForOneFrames({ ...oneFrameQuery, EIO: '4' })).toBe(true);
    expect(asksForOneFrames({ EIO: '4' })).toBe(false);
    expect(asksForOneFrames({ frames: '2' })).toBe(false);
    expect(asksForOneFrames(undefined)).toBe(false);
  });
});

describe('the decoder', () => {
  it("reads Socket.IO's default form: the packet string, then each part on its own", () => {
    expect(decodeAll(defaultEncoder.encode({ ...syncEvent }))).toEqual([syncEvent]);
  });

  it('reads both forms in any order on one connection', () => {
    const plain: Packet = { type: event, nsp: '/cases', data: ['case:leave', { caseId: 'case-1' }] };
    const oneFrame = new OneFrameEncoder().encode({ ...syncEvent });
    const twoFrames = defaultEncoder.encode({ ...syncEvent });
    expect(decodeAll([...twoFrames, ...oneFrame, ...defaultEncoder.encode({ ...plain }), ...oneFrame, ...twoFrames])).toEqual([
      syncEvent,
      syncEvent,
      plain,
      syncEvent,
      syncEvent,
    ]);
  });

  it('takes a binary frame as a part while the packet before it has parts due, as the default decoder does', () => {
    // A part that happens to look like a one-frame message is still a part.
    const part = encodeOneFrame(defaultEncoder.encode({ ...syncEvent }))!;
    const [header] = defaultEncoder.encode({ ...syncEvent });
    expect(decodeAll([header, part])).toEqual([{ ...syncEvent, data: ['doc:sync', 'case-1', part] }]);
  });

  it('refuses a binary frame that is neither a part nor a one-frame message', () => {
    expect(() => decodeAll([new Uint8Array([7, 1, 2])])).toThrow(CaseroomError);
  });

  it('refuses a one-frame message whose packet Socket.IO would refuse (a placeholder past the parts, too many parts)', () => {
    const misplaced = encodeOneFrame(['51-/cases,["doc:sync","case-1",{"_placeholder":true,"num":4}]', update])!;
    expect(() => decodeAll([misplaced])).toThrow(/illegal attachments/);
    const many = Array.from({ length: 11 }, () => update);
    expect(() => decodeAll([encodeOneFrame([`511-/cases,["doc:sync"]`, ...many])])).toThrow(/too many attachments/);
  });
});

describe("the SDK's parser", () => {
  const oneFrame = (): Uint8Array => encodeOneFrame(defaultEncoder.encode({ ...syncEvent }))!;

  it('writes the default form until the hub has sent it a one frame on this connection, and after a new connection', () => {
    const parser = oneFrameParser();
    const encoder = new parser.Encoder();
    const decoder = new parser.Decoder();
    expect(encoder.encode({ ...syncEvent })).toEqual(defaultEncoder.encode({ ...syncEvent }));
    // The default form from the hub says nothing about what it reads.
    for (const message of defaultEncoder.encode({ ...syncEvent })) decoder.add(message);
    expect(encoder.encode({ ...syncEvent })).toHaveLength(2);

    decoder.add(oneFrame());
    expect(encoder.encode({ ...syncEvent })).toEqual([oneFrame()]);
    // socket.io-client destroys its decoder whenever a connection opens: the next hub may be another.
    decoder.destroy();
    expect(encoder.encode({ ...syncEvent })).toHaveLength(2);
  });

  it('learns for its own Manager only', () => {
    const [first, second] = [oneFrameParser(), oneFrameParser()];
    new first.Decoder().add(oneFrame());
    expect(new first.Encoder().encode({ ...syncEvent })).toHaveLength(1);
    expect(new second.Encoder().encode({ ...syncEvent })).toHaveLength(2);
  });
});

describe('decodeOneFrame refuses', () => {
  const good = (): Uint8Array => encodeOneFrame(defaultEncoder.encode({ ...syncEvent }))!;
  const headerLength = (frame: Uint8Array): number => new DataView(frame.buffer).getUint32(1);
  const setUint32 = (frame: Uint8Array, at: number, value: number): Uint8Array => {
    new DataView(frame.buffer).setUint32(at, value);
    return frame;
  };

  it.each<[string, () => Uint8Array]>([
    ['an empty frame', () => new Uint8Array()],
    ['a frame shorter than its packet length', () => new Uint8Array([oneFrameFormat, 0, 0])],
    ['another format byte', () => Object.assign(good(), { 0: 2 })],
    ['a packet string running past the frame', () => setUint32(good(), 1, 1 << 30)],
    ['a packet string that is not UTF-8', () => good().fill(0xff, 6, 7)],
    ['a packet string without binary parts', () => encodeOneFrame(['51-[]', update])!.fill(0x32, 5, 6)],
    ['fewer parts than the packet announces', () => good().subarray(0, 5 + headerLength(good()))],
    ['a part length running past the frame', () => setUint32(good(), 5 + headerLength(good()), update.byteLength + 1)],
    ['a part cut short', () => good().subarray(0, good().byteLength - 1)],
    ['bytes after the last part', () => new Uint8Array([...good(), 0])],
  ])('%s as malformed_message', (_what, frame) => {
    expect(codeOf(() => decodeOneFrame(frame()))).toBe('malformed_message');
  });

  it('nothing it made itself', () => {
    expect(decodeOneFrame(good()).parts).toEqual([update]);
  });
});
