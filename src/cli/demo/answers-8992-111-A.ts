/*
 * The demo's finished sitting of 8992-111-A (Ashbourne Vale Leisure Centre): what each candidate
 * wrote, item by item, so that a marker opening the demo has real scripts to mark against the grid.
 *
 * Kept as TypeScript beside the demo rather than as YAML under questions/: the bank loader reads
 * every file under questions/ as a paper, these answers are demo data and not part of the bank, and
 * a typed module travels with the CLI without a file path to resolve at run time. The demo test
 * checks every key below is an item of the paper.
 *
 * The quality is deliberate and varied (the paper is out of 40; pass 24, first class 32):
 * - strong: most grid points hit, First Class;
 * - borderline: around the pass mark (one a narrow Fail), some items thin or half right;
 * - weak: short answers and blank items (an answer of '' or a missing key is left blank), one with
 *   so little attempted that the script earns AB;
 * - off the point: answers a different question in places (a marker should flag FK).
 * `profile` says which, for people and tests; it is never shown to a marker.
 */

export const DEMO_MARKING_PAPER = '8992-111-A';

export type AnswerProfile = 'strong' | 'borderline' | 'weak' | 'off the point' | 'absent';

export interface DemoScriptCandidate {
	candidate_number: string;
	first_name: string;
	last_name: string;
	profile: AnswerProfile;
	/** Submitted by the candidate this many minutes after the start; otherwise when the invigilator ended the sitting. */
	submitsAfterMinutes?: number;
	/** Item key ('1', '9.a', …) → the answer as typed. Missing or '' = left blank. */
	answers: Record<string, string>;
	/**
	 * The marks this author would give, item by item in paper order (1–8, 9(a)–(d), 10(a)–(d)), and
	 * the items a marker should flag as misinterpreted: a key for whoever marks the demo by hand, and
	 * the test's evidence that the scripts grade differently. A marker may reasonably differ by a mark.
	 */
	intended?: { marks: number[]; fk?: string[] };
}

/** The order of `intended.marks`. */
export const DEMO_ITEM_ORDER = [
	'1',
	'2',
	'3',
	'4',
	'5',
	'6',
	'7',
	'8',
	'9.a',
	'9.b',
	'9.c',
	'9.d',
	'10.a',
	'10.b',
	'10.c',
	'10.d'
];

export const DEMO_SCRIPT_CANDIDATES: DemoScriptCandidate[] = [
	{
		candidate_number: '0011',
		first_name: 'Freya',
		last_name: 'Thompson',
		profile: 'strong',
		submitsAfterMinutes: 52,
		intended: { marks: [2, 2, 3, 2, 3, 2, 2, 3, 2, 4, 2, 2, 2, 4, 3, 2] },
		answers: {
			'1': 'Colleagues in your own team, for example another receptionist on the front desk. Staff from a different department, like the maintenance team who fix the pool heating.',
			'2': 'Customer satisfaction is when the customer is happy with the service or product because it met their needs and what they expected, or was even better. A satisfied customer is more likely to come back and recommend you.',
			'3': 'Answer quickly and say hello, your name and the name of the organisation.\nSpeak clearly and not too fast so the caller can hear you properly.\nRepeat back important details like names and phone numbers to check you have got them right.',
			'4': 'A closed question is used when you need a yes or no answer, for example to check a fact at the end of the call. Example: "Would you like me to book you onto Tuesday\'s class?"',
			'5': 'Folding your arms.\nRolling your eyes or sighing.\nLooking at your phone while the customer is talking to you.',
			'6': 'It is the law under data protection, so the organisation could be fined. Customers trust the organisation with their details and if they were shared the customer could be at risk of fraud and would lose that trust.',
			'7': 'So that every customer is treated the same way and gets the same answer. Some decisions like refunds need more experience or responsibility than a new member of staff has.',
			'8': 'Staff being rude or unhelpful.\nHaving to wait a long time in a queue.\nPromises not being kept, like a class being cancelled without telling people.',
			'9.a':
				'She needs information about whether aquafit is still on and where it is now the main pool is shut. She also needs help to book because she has no smartphone and cannot use the app, so someone has to book it for her.',
			'9.b':
				'Jade should greet Mrs Ellison with a smile and give her her full attention. She should listen to what she wants and repeat it back to check. Then she should check the latest timetable because classes have been moved to the learner pool, and tell her clearly when and where Tuesday aquafit is now. Jade can book the place for her at the desk as reception are allowed to book classes, and print the booking details for her. She could also tell her she can always book at reception in future.',
			'9.c':
				"Move somewhere quieter away from the school group so she can hear, and face her so she can see Jade's lips. Write down the day, time and where the class is.",
			'9.d':
				'Customer expectations are what the customer thinks the service will be like before they get it, the standard they expect. Mrs Ellison will expect staff to be patient with her and to still be able to book even though she has no smartphone.',
			'10.a':
				'Because he is pointing and raising his voice Jade might feel threatened or nervous. She might get defensive and argue back, which would make things worse.',
			'10.b':
				'Stay calm and polite and not take it personally. Let him finish without interrupting and listen to the whole complaint. Apologise that the lesson was cancelled at such short notice and say she understands it was a wasted journey and his son is disappointed. Ask him what he would like to happen. Offer to move his son to another lesson slot or give him a guest pass, which she is allowed to do. Record the complaint and tell him what happens next.',
			'10.c':
				'She should tell him politely that she cannot give a refund herself, and not promise one. She should contact Marcus Doyle the duty manager and explain everything so Mr Adebayo does not have to repeat it. This is because refunds are outside her authority, only the duty manager can agree them.',
			'10.d':
				'Customers have paid for lessons and expect them to go ahead, and the customer promise says classes start on time. If it keeps going wrong the centre gets a bad reputation and people will go to another leisure centre.'
		}
	},
	{
		candidate_number: '0012',
		first_name: 'Hamza',
		last_name: 'Ali',
		profile: 'strong',
		submitsAfterMinutes: 57,
		intended: { marks: [2, 2, 3, 2, 3, 2, 2, 3, 2, 4, 2, 1, 2, 4, 3, 2] },
		answers: {
			'1': 'The manager (Marcus Doyle) and other staff like the café staff or the gym instructors.',
			'2': 'It means the customer is happy with what they got and it met their needs. They will probably come back again.',
			'3': '1. Use a polite, friendly tone of voice\n2. Dont interrupt, listen properly\n3. Write notes of the callers name and number and what you agreed',
			'4': 'You use a closed question to check a specific thing like a membership number or a date. E.g. "Is your membership number 40211?"',
			'5': 'frowning, not making eye contact, slouching on the counter',
			'6': 'Data protection law says you have to. Also the customers could get identity theft if their details got out.',
			'7': 'Staff might not have the training to make some decisions. It protects the business from staff making expensive mistakes like giving away too much money.',
			'8': 'poor service\nprice is too high\nthey were kept waiting too long',
			'9.a':
				'She is hard of hearing so needs Jade to speak clearly. She needs someone to book for her as she does not have a smartphone.',
			'9.b':
				'First Jade should greet her politely. She should listen carefully. She should check the timetable to see if aquafit is running in the learner pool and tell her the time and place. Then book her onto it at the desk so she does not need the app.',
			'9.c':
				'Speak slowly and clearly but do not shout. Check she has understood by asking her to say the time back.',
			'9.d':
				'What a customer expects to happen. She will expect the class to still be on at the same time.',
			'10.a':
				'His body language is aggressive so Jade could feel upset and threatened. She might rush to get rid of him instead of sorting it out.',
			'10.b':
				'Stay calm. Apologise for the lesson being cancelled and the text being so late. Listen to him and let him explain. Say she understands how annoying it is. Then offer to move his son to a different lesson slot.',
			'10.c':
				'She cannot give refunds so she has to get the duty manager Marcus Doyle to come and speak to him. Only the duty manager is allowed to agree refunds.',
			'10.d':
				'People pay for a service and expect to get it. If the pool is not fit for purpose they will complain and want refunds.'
		}
	},
	{
		candidate_number: '0013',
		first_name: 'Grace',
		last_name: 'Adeyemi',
		profile: 'strong',
		intended: { marks: [2, 1, 3, 2, 3, 2, 2, 3, 2, 3, 2, 2, 2, 4, 3, 2] },
		answers: {
			'1': 'Another member of staff in my team. The finance department.',
			'2': 'When the customer gets what they expected or better than they expected.',
			'3': 'Greet the caller and say the name of the company. Speak clearly. Avoid using jargon they might not understand.',
			'4': 'When you want a yes or no answer. Example - "Do you have a Leisure Access card?"',
			'5': 'Arms folded\nNot smiling\nTurning away from the customer',
			'6': 'Because it is against the law to give out their details. The customer would stop trusting the company.',
			'7': 'So staff know when they have to pass something on to a manager. So all customers get treated the same.',
			'8': 'The product was faulty. Rude staff. Long queues.',
			'9.a': 'She needs information about aquafit and she needs help with the app.',
			'9.b':
				'Jade should be polite and patient. She should find out if aquafit is still running and tell her. She should help her to book, maybe by booking it for her on the computer at reception. If Jade does not know she should ask someone who does.',
			'9.c':
				'Talk clearly and a bit slower. Take her somewhere quieter because the foyer is noisy.',
			'9.d':
				'Customer expectations are what customers expect from a business. She would expect to be told about changes to her class in good time.',
			'10.a': 'It might make Jade scared and she could start arguing with him.',
			'10.b':
				'Jade should stay calm and not raise her voice back. She should say sorry. She should listen to him and ask what he would like her to do about it. She could give him a free guest pass to say sorry.',
			'10.c':
				'She should tell him she cannot refund him herself and ask the duty manager. This is because it is not her job to give refunds.',
			'10.d':
				'So they do not lose customers to other gyms. So people are safe when they use the pool.'
		}
	},
	{
		candidate_number: '0014',
		first_name: 'Isaac',
		last_name: 'Brennan',
		profile: 'borderline',
		intended: { marks: [2, 1, 3, 2, 3, 1, 1, 3, 1, 2, 0, 1, 1, 3, 2, 1] },
		answers: {
			'1': 'People you work with, your boss.',
			'2': 'The customer is happy.',
			'3': 'Be polite. Speak clearly. Listen to them.',
			'4': 'To get a short answer. "Have you got your membership card?"',
			'5': 'Folded arms, frowning, not looking at them',
			'6': 'Because of GDPR.',
			'7': 'Because some things need a manager to decide.',
			'8': 'Bad service, rude staff, things costing too much',
			'9.a': 'She cannot use the app. She is old.',
			'9.b':
				'Say hello and be friendly. Tell her if aquafit is on. Book it for her because she has not got a smartphone.',
			'9.c': 'Speak louder so she can hear.',
			'9.d': 'What the customer expects. She expects staff to help her.',
			'10.a': 'Jade might get angry as well and shout back.',
			'10.b': 'Say sorry, listen to him, offer him another lesson for his son, tell the manager.',
			'10.c': 'Get the manager because she is not allowed to give refunds.',
			'10.d': 'So customers are happy. So they come back.'
		}
	},
	{
		candidate_number: '0015',
		first_name: 'Jasmine',
		last_name: 'Clarke',
		profile: 'borderline',
		intended: { marks: [2, 1, 2, 2, 3, 1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 0] },
		answers: {
			'1': 'Staff and managers.',
			'2': 'Giving the customer what they want.',
			'3': 'Smile when you speak, say who you are, be polite',
			'4': 'Closed questions are used at the end of a conversation to check you understood. Example: "Is there anything else I can help you with today?"',
			'5': 'Eye rolling, yawning, being on your phone',
			'6': 'So no one can steal their identity.',
			'7': 'So people do not do things they are not trained for.',
			'8': 'Waiting too long. The product broke.',
			'9.a': 'She needs to book a class.',
			'9.b':
				'Jade should ask how she can help and listen to her. Then she should explain about the app and show her how to download it onto a phone.',
			'9.c': 'Face her when talking. Write it down for her.',
			'9.d': 'What they are expecting to get. She expects good service.',
			'10.a': 'She might feel intimidated.',
			'10.b': 'Stay calm, apologise, and tell him she will get the manager.',
			'10.c': 'Tell him to wait and go and get Marcus.',
			'10.d': 'Because it is a public leisure centre.'
		}
	},
	{
		candidate_number: '0016',
		first_name: 'Kieran',
		last_name: 'Walsh',
		profile: 'borderline',
		intended: { marks: [2, 2, 2, 1, 2, 1, 1, 3, 1, 1, 1, 1, 2, 4, 0, 1] },
		answers: {
			'1': 'A colleague on reception. Someone from head office.',
			'2': 'When the customer is pleased with the service they got and their needs were met.',
			'3': 'Answer the phone quickly, say good morning and the name of the leisure centre. Check details back to the caller.',
			'4': 'When you only need one word back.',
			'5': 'Folded arms\nScowling',
			'6': 'If the details were leaked the centre would get a bad name.',
			'7': 'To stop staff giving away things for free.',
			'8': 'Rude staff\nWaiting\nIt was cancelled',
			'9.a': 'She needs to know if aquafit is still running.',
			'9.b': 'Be polite and helpful and answer her question.',
			'9.c': 'Use the hearing loop.',
			'9.d': 'She will expect the class to be on time.',
			'10.a':
				'Jade could get upset and not know what to do, she might forget what she is supposed to do.',
			'10.b':
				'Jade should let him finish talking and not interrupt. She should say sorry that the lesson was cancelled and that the text was so late. She should write the complaint down on the complaints form. Then tell him the manager will call him back within two working days.',
			'10.c':
				'She should give him the refund so he calms down, because he is right that the centre broke its promise.',
			'10.d': 'Because it has to be safe.'
		}
	},
	{
		candidate_number: '0017',
		first_name: 'Lily',
		last_name: 'Robertson',
		profile: 'weak',
		intended: { marks: [1, 0, 1, 1, 3, 0, 1, 3, 2, 0, 1, 0, 1, 1, 0, 0] },
		answers: {
			'1': 'Customers who come in to the centre and the staff.',
			'2': 'Making the customer satisfied.',
			'3': 'Be nice on the phone. Dont eat while on the phone.',
			'4': 'A question with a yes or no answer, for example "How can I help you today?"',
			'5': 'Not smiling, arms crossed, looking bored',
			'6': 'Its private.',
			'7': 'So staff dont make mistakes.',
			'8': 'Prices, waiting, staff',
			'9.a': 'Help and information.',
			'9.b': 'Jade should help her book on the website.',
			'9.c': 'Speak slowly.',
			'9.d': '',
			'10.a': 'She would be scared.',
			'10.b': 'Say sorry and give him his money back.',
			'10.c': 'Give him a refund.',
			'10.d': 'So people use it.'
		}
	},
	{
		candidate_number: '0018',
		first_name: 'Mohammed',
		last_name: 'Rahman',
		profile: 'weak',
		intended: { marks: [1, 1, 1, 0, 1, 0, 0, 2, 1, 0, 0, 0, 0, 1, 0, 0] },
		answers: {
			'1': 'staff',
			'2': 'happy customer',
			'3': 'talk clear',
			'5': 'angry face',
			'8': 'bad service, late',
			'9.a': 'she is deaf',
			'9.b': '',
			'10.b': 'say sorry'
		}
	},
	{
		candidate_number: '0019',
		first_name: 'Niamh',
		last_name: "O'Connor",
		profile: 'off the point',
		// 10(b): staying calm earns a mark; fetching the duty manager is credited only in 10(c).
		intended: {
			marks: [0, 2, 1, 0, 3, 1, 0, 3, 2, 0, 1, 1, 1, 1, 0, 1],
			fk: ['1', '7', '9.b', '10.c']
		},
		answers: {
			// Internal customers read as "customers you meet inside the building".
			'1': 'Members of the public who come into the leisure centre, and suppliers who deliver to the café.',
			'2': 'When the customer leaves happy because they got what they needed.',
			'3': 'Say hello and your name.',
			// An open question given as the example.
			'4': 'To find out more information. Example: "What would you like to book today?"',
			'5': 'Crossing your arms, not smiling, looking at the floor.',
			'6': 'So their details are not stolen.',
			// The limits of authority read as the opening hours.
			'7': 'The centre closes at 10 pm in the week and 6 pm at weekends so staff can go home, and so the building is not open when nobody is there to supervise it.',
			'8': 'Cancelled lessons, rude staff, the pool being cold.',
			'9.a': 'She needs information and she needs help booking.',
			// Answers question 10(b): how to handle an angry customer's complaint.
			'9.b':
				'Jade should stay calm and not take it personally. She should let him shout and not argue back, then apologise and say she understands why he is angry. She should offer him a guest pass or get the duty manager to sort out a refund, and record the complaint.',
			'9.c': 'Speak clearly.',
			'9.d': 'Expectations are what the customer expects. She expects the pool to be warm.',
			'10.a': 'Jade would feel nervous.',
			'10.b': 'Stay calm and get the duty manager.',
			// Reads "why" as why Mr Adebayo wants a refund.
			'10.c':
				'He wants a refund because two lessons in a row were cancelled and he was only told at 7.30 in the morning when they were already on the way, so he feels he has paid for something he did not get.',
			'10.d': 'So customers get what they paid for.'
		}
	},
	{
		candidate_number: '0020',
		first_name: 'Owen',
		last_name: 'Hughes',
		profile: 'absent',
		answers: {}
	}
];
