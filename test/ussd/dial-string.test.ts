import { dialString, splitDialString } from '../../src/ussd/dial-string';

test('a dial string splits into the service code and the inputs that follow it', () => {
  expect(splitDialString('*123#')).toEqual({ serviceCode: '*123#', inputs: [] });
  expect(splitDialString(' *123*83262# ')).toEqual({ serviceCode: '*123#', inputs: ['83262'] });
  expect(splitDialString('*123*1*83262#')).toEqual({ serviceCode: '*123#', inputs: ['1', '83262'] });
  for (const bad of ['123#', '*123', '*abc#', '', '*123*4#5#']) expect(splitDialString(bad)).toBeUndefined();
});

test('the dial string that resumes a payment is built from the session\'s service code', () => {
  expect(dialString('*123#', '83262')).toBe('*123*83262#');
  expect(dialString(' *4455*1# ', 'AB-12')).toBe('*4455*1*AB-12#');
  expect(splitDialString(dialString('*123#', '83262'))).toEqual({ serviceCode: '*123#', inputs: ['83262'] });
});
